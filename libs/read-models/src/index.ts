export * from './projection/projection';
export * from './balances/balances.projection';
