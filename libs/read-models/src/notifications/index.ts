export * from './notification-catalog';
export * from './derive-from-event';
export * from './derive-from-scan';
