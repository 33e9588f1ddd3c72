export * from './postings/dated-postings';
export * from './reports/points-liability';
export * from './reports/liability-report';
export * from './reports/period-reports';
export * from './reports/exact-sum';
