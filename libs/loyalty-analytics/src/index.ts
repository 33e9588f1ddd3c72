export * from './profiles/customer-evaluation';
export * from './profiles/profile-reader';
export * from './segments/segment-report';
export * from './one-step-from-loyal/one-step-from-loyal';
export * from './nps-analytics/nps-over-time';
export * from './support-analytics/support-report';
export * from './loyalty-analytics.module';
export * from './read-view';
