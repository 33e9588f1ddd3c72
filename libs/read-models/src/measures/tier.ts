import { evaluateTier, QualifyingActivityLog, type TierRules, type TierStatus } from '@loyalty/program-rules';
import { qualifyingActivitiesOf, type CustomerProfile } from '../customer-profile/customer-profile.projection';

/** The customer's tier as of an instant: the very function the ledger rates purchases with. */
export function tierOf(profile: CustomerProfile, rules: TierRules, asOf: string): TierStatus {
  const log = QualifyingActivityLog.of(qualifyingActivitiesOf(profile));
  return evaluateTier(log, rules, Date.parse(asOf));
}
