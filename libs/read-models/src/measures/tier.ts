import { evaluateTier, QualifyingActivityLog, type TierRules, type TierStatus } from '@loyalty/program-rules';
import type { CustomerProfile } from '../customer-profile/customer-profile.projection';

/** The customer's tier as of an instant: the very function the ledger rates purchases with. */
export function tierOf(profile: CustomerProfile, rules: TierRules, asOf: string): TierStatus {
  const log = QualifyingActivityLog.of(profile.purchases.map((p) => ({ atMs: Date.parse(p.at), spendMinor: p.amount - p.refunded, points: p.points })));
  return evaluateTier(log, rules, Date.parse(asOf));
}
