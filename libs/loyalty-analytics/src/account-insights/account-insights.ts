import type { AccountInsightsSource, RuleBookSource } from '@loyalty/ledger-application';
import { evaluateCustomer } from '../profiles/customer-evaluation';
import type { ProfileReader } from '../profiles/profile-reader';

/** The read side's view of one customer, for GET /v1/accounts/{customerId}. */
export function accountInsights(profiles: ProfileReader, rules: RuleBookSource): AccountInsightsSource {
  return {
    async insightsFor(customerId, asOf) {
      const profile = await profiles.profile(customerId);
      if (!profile) return null;
      const { customerId: _id, ...evaluation } = evaluateCustomer(profile, rules.current().inForceAt(Date.parse(asOf)).rules, asOf);
      return evaluation;
    },
  };
}
