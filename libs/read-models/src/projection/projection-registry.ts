import { balancesProjection } from '../balances/balances.projection';
import { customerProfileProjection } from '../customer-profile/customer-profile.projection';
import type { CustomerProjection } from './projection';

/**
 * Every projection of the ledger, once: the projector follows each live, a replay rebuilds any of
 * them into shadow tables, and the read side reads them. A new projection is added here only.
 */
export const PROJECTION_REGISTRY: readonly CustomerProjection<unknown>[] = [
  balancesProjection as CustomerProjection<unknown>,
  customerProfileProjection as CustomerProjection<unknown>,
];

/** A projection by its name, or undefined. */
export function registeredProjection(name: string): CustomerProjection<unknown> | undefined {
  return PROJECTION_REGISTRY.find((p) => p.name === name);
}
