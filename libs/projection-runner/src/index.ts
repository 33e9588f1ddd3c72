export * from './store/projection-store.port';
export * from './store/sqlite-projection-store';
export * from './runner/projection-runner';
export * from './store/postgres-projection-store';
