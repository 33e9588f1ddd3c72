export * from './program-rules.types';
export * from './validation/validate-program-rules';
export * from './validation/parse-program-rules';
export * from './rule-book/rule-book';
export * from './rule-book/rules-hash';
export * from './tiers/evaluate-tier';
export * from './time/utc-calendar';
export * from './defaults/default-rules';
