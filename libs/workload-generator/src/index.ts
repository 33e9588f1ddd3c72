export * from './seeded-random';
export * from './generate-workload';
