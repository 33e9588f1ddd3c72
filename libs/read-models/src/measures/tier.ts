import { evaluateTier, QualifyingActivityLog, type TierRules, type TierStatus } from '@loyalty/program-rules';
import { qualifyingActivitiesOf, type CustomerProfile } from '../customer-profile/customer-profile.projection';

/** The customer's tier as of an instant: the very function the ledger rates purchases with. */
export function tierOf(profile: CustomerProfile, rules: TierRules, asOf: string): TierStatus {
  return evaluateTier(qualifyingLogOf(profile), rules, Date.parse(asOf));
}

/** The log a tier is evaluated on: built once where one customer's tier is asked at several instants. */
export function qualifyingLogOf(profile: CustomerProfile): QualifyingActivityLog {
  return QualifyingActivityLog.of(qualifyingActivitiesOf(profile));
}
