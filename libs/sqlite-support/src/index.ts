export * from './private-files';
export * from './folder-writer-lock';
export * from './worker-connection';
