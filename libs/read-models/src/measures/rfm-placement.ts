import type { RfmRules } from '@loyalty/program-rules';
import { rfmSegment, type RfmValues } from './rfm';
import { quantileSegment, RfmQuantileScorer, type RfmPopulationMember, type RfmScores } from './rfm-quantile';

/** A customer's RFM segment under the one RFM definition in force, with the scores when quantile. */
export interface RfmPlacement {
  segment: string;
  reason: string;
  /** Quantile style only: the customer's scores 1-5 against the base. */
  scores: RfmScores | null;
}

/**
 * What a customer is placed against: nothing under fixed thresholds (each customer alone), the
 * whole base as of the same instant under quantile scoring.
 */
export type RfmBase = RfmQuantileScorer | null;

/** The base of a population as of one instant, under the rules' style (null when the style needs none). */
export function rfmBaseOf(population: Iterable<RfmPopulationMember>, rules: RfmRules): RfmBase {
  return rules.style === 'quantile' ? RfmQuantileScorer.of(population, rules.quantileScoring) : null;
}

/** The one RFM definition: every door (account, segments, classification, impact) places a customer through it. */
export function placeInRfmSegment(customerId: string, values: RfmValues, rules: RfmRules, asOf: string, base: RfmBase): RfmPlacement {
  if (rules.style !== 'quantile') return { ...rfmSegment(values, rules, asOf), scores: null };
  if (!base) throw new Error('quantile RFM places a customer against the base: build it with rfmBaseOf');
  const scores = base.scoresOf(customerId, values) ?? null;
  return { ...quantileSegment(scores ?? undefined, rules), scores };
}
