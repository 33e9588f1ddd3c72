export * from './sqlite-procedure-thread';
