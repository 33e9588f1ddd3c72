import type { AccountInsightsSource } from '@loyalty/ledger-application';
import type { CustomerValueModels } from '../customer-value/customer-value-models';
import type { ReadView } from '../read-view';
import { evaluateCustomer } from '../profiles/customer-evaluation';
import type { ProfileReader } from '../profiles/profile-reader';
import type { RfmBases } from '../profiles/rfm-bases';

/** The read side's view of one customer, for GET /v1/accounts/{customerId}: the same evaluation as every list. */
export function accountInsights(profiles: ProfileReader, view: ReadView, bases: RfmBases, models: CustomerValueModels): AccountInsightsSource {
  return {
    async insightsFor(customerId, asOf) {
      const profile = await profiles.profile(customerId);
      if (!profile) return null;
      const rules = view.current().ruleBook.inForceAt(Date.parse(asOf)).rules;
      const { customerId: _id, ...evaluation } = evaluateCustomer(profile, { rules, asOf, base: await bases.baseFor(rules, asOf), model: models.current() });
      return evaluation;
    },
  };
}
