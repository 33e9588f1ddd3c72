export * from './request-thread';
