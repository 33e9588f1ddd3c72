export * from './config/kafka-ingestion.config';
export * from './consumer/ledger-ingestion.consumer';
export * from './dead-letters/dead-letter';
export * from './dead-letters/dead-letter-browser';
export * from './mapping/message-to-command';
export * from './kafka-ingestion.module';
export * from './consumer/message-decoder';
export * from './broker/while-retriable';
