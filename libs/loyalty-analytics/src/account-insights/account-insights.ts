import type { AccountInsightsSource } from '@loyalty/ledger-application';
import type { ReadView } from '../read-view';
import { evaluateCustomer } from '../profiles/customer-evaluation';
import type { ProfileReader } from '../profiles/profile-reader';

/** The read side's view of one customer, for GET /v1/accounts/{customerId}. */
export function accountInsights(profiles: ProfileReader, view: ReadView): AccountInsightsSource {
  return {
    async insightsFor(customerId, asOf) {
      const profile = await profiles.profile(customerId);
      if (!profile) return null;
      const { customerId: _id, ...evaluation } = evaluateCustomer(profile, view.current().ruleBook.inForceAt(Date.parse(asOf)).rules, asOf);
      return evaluation;
    },
  };
}
