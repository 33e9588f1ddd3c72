export * from './sqlite-procedure-thread';
export * from './private-files';
export * from './folder-writer-lock';
