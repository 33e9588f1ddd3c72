export * from './postings/dated-postings';
export * from './reports/points-liability';
