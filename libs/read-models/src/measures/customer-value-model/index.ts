export * from './bg-nbd';
export * from './gamma-gamma';
export * from './customer-value-model';
