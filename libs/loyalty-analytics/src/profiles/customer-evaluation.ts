import { describeTierStatus, type ProgramRules } from '@loyalty/program-rules';
import {
  classifyLoyalty,
  customerValue,
  predictValue,
  purchaseHistoryOf,
  latestNpsAnswer,
  placeInRfmSegment,
  rfmBaseOf,
  rfmValues,
  tierOf,
  type CustomerProfile,
  type CustomerValue,
  type CustomerValueModel,
  type PredictedValue,
  type LoyaltyClassification,
  type NpsCategory,
  type RfmBase,
  type RfmPlacement,
  type RfmPopulationMember,
  type RfmValues,
} from '@loyalty/read-models';

/** Everything the read side says about one customer as of an instant, under one rules version. */
export interface CustomerEvaluation {
  customerId: string;
  tier: string;
  tierReason: string;
  rfm: RfmValues & RfmPlacement;
  nps: { score: number; category: NpsCategory; at: string } | null;
  value: CustomerValue;
  loyalty: LoyaltyClassification;
  /** BG/NBD + Gamma-Gamma under the fitted model; null before a fit or without a purchase. */
  predicted: PredictedValue | null;
}

/** What every customer of one answer is evaluated with: one rules version, one instant, one RFM base, one fitted value model. */
export interface EvaluationContext {
  rules: ProgramRules;
  asOf: string;
  base: RfmBase;
  model: CustomerValueModel | null;
}

/**
 * A pure function of (profile, context): the same rules, instant, base (quantile RFM) and fitted
 * model give the same answer, through every door and in a replay.
 */
export function evaluateCustomer(profile: CustomerProfile, { rules, asOf, base, model }: EvaluationContext): CustomerEvaluation {
  const values = rfmValues(profile, rules.rfm, asOf);
  const placement = placeInRfmSegment(profile.customerId, values, rules.rfm, asOf, base);
  const nps = latestNpsAnswer(profile, rules.nps, asOf);
  const tier = tierOf(profile, rules.tiers, asOf);
  const history = model ? purchaseHistoryOf(profile, asOf, model.settings.periodDays, model.calibrationFrom) : null;
  return {
    customerId: profile.customerId,
    tier: tier.level.name,
    tierReason: describeTierStatus(tier, rules.tiers),
    rfm: { ...values, ...placement },
    nps,
    value: customerValue(profile, asOf),
    loyalty: classifyLoyalty(values, placement, nps, rules, asOf),
    predicted: model && history ? predictValue(model, history) : null,
  };
}

/** The RFM base of every profile as of an instant (read only under quantile style: fixed thresholds need none). */
export async function rfmBaseOfProfiles(profiles: () => AsyncIterable<CustomerProfile>, rules: ProgramRules, asOf: string): Promise<RfmBase> {
  if (rules.rfm.style !== 'quantile') return null;
  const population: RfmPopulationMember[] = [];
  for await (const profile of profiles()) {
    const values = rfmValues(profile, rules.rfm, asOf);
    if (values.frequency > 0) population.push({ customerId: profile.customerId, values });
  }
  return rfmBaseOf(population, rules.rfm);
}
