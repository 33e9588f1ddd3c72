export * from './command-to-http';
export * from './demo-data';
