export * from './rows/import-row';
export * from './rows/import-row-decoder';
export * from './rows/row-sources';
export * from './run/history-import';
export * from './run/import-checkpoints';
export * from './run/import-file';
export * from './run/sorted-runs';
