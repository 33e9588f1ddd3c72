import type { CustomerProfile } from '../customer-profile/customer-profile.projection';

export interface CustomerValue {
  /** Purchases up to as-of that were not fully refunded. */
  purchases: number;
  /** Net spend (after refunds), minor units. */
  totalSpend: number;
  /** Average order value, minor units, rounded half up. */
  averageOrderValue: number;
  /** The source formula: average purchase value × number of purchases. */
  clv: number;
}

/** CLV as the source defines it (average purchase value × number of purchases), and AOV. */
export function customerValue(profile: CustomerProfile, asOf: string): CustomerValue {
  let purchases = 0;
  let totalSpend = 0;
  for (const p of profile.purchases) {
    const net = p.amount - p.refunded;
    if (p.at <= asOf && net > 0) {
      purchases++;
      totalSpend += net;
    }
  }
  const averageOrderValue = purchases === 0 ? 0 : Math.floor((2 * totalSpend + purchases) / (2 * purchases));
  return { purchases, totalSpend, averageOrderValue, clv: averageOrderValue * purchases };
}
