export * from './loyalty-client';
