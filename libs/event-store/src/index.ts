export * from './port/event-store.port';
export * from './subscription/polling-subscription';
export * from './in-memory/in-memory-event-store';
export * from './sqlite/sqlite-event-store';
export * from './subscription/live-feed';
export * from './port/retry-detection';
export * from './eventstoredb/eventstoredb-event-store';
export * from './eventstoredb/eventstoredb-codec';
