export * from './messages/field-formats';
export * from './messages/payloads.v1';
export * from './messages/message-catalog';
export * from './messages/decode-message';
export * from './schema/message-schemas';
export * from './producer/loyalty-producer';
