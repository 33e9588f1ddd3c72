import { describeTierStatus, type ProgramRules } from '@loyalty/program-rules';
import {
  classifyLoyalty,
  customerValue,
  latestNpsAnswer,
  rfmSegment,
  rfmValues,
  tierOf,
  type CustomerProfile,
  type CustomerValue,
  type LoyaltyClassification,
  type NpsCategory,
  type RfmValues,
} from '@loyalty/read-models';

/** Everything the read side says about one customer as of an instant, under one rules version. */
export interface CustomerEvaluation {
  customerId: string;
  tier: string;
  tierReason: string;
  rfm: RfmValues & { segment: string; reason: string };
  nps: { score: number; category: NpsCategory; at: string } | null;
  value: CustomerValue;
  loyalty: LoyaltyClassification;
}

/** A pure function of (profile, rules, as-of): a replay under the same rules gives the same answer. */
export function evaluateCustomer(profile: CustomerProfile, rules: ProgramRules, asOf: string): CustomerEvaluation {
  const values = rfmValues(profile, rules.rfm, asOf);
  const segment = rfmSegment(values, rules.rfm, asOf);
  const nps = latestNpsAnswer(profile, rules.nps, asOf);
  const tier = tierOf(profile, rules.tiers, asOf);
  return {
    customerId: profile.customerId,
    tier: tier.level.name,
    tierReason: describeTierStatus(tier, rules.tiers),
    rfm: { ...values, ...segment },
    nps,
    value: customerValue(profile, asOf),
    loyalty: classifyLoyalty(values, nps?.category ?? null, rules, asOf),
  };
}
