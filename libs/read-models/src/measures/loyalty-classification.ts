import { addMonths, parseInstant, type ProgramRules, type RfmQuantileSegmentRule, type RfmSegmentRule } from '@loyalty/program-rules';
import type { NpsCategory } from './nps';
import type { RfmValues } from './rfm';
import type { RfmPlacement } from './rfm-placement';
import type { RfmScores } from './rfm-quantile';

export type LoyaltyClass = 'loyal' | 'good-customer' | 'one-step-from-loyal' | 'other';

export interface LoyaltyClassification {
  class: LoyaltyClass;
  /** How close to every threshold of the top RFM segment, 0-100 (100: all met). */
  closenessPercent: number;
  reason: string;
  /** What stands between the customer and loyal, on each side (empty and null when loyal). */
  lacks: {
    /** The top segment's conditions not met (behavioural side). */
    behavioural: string[];
    /** The psychological side: null for a promoter. */
    psychological: { latest: NpsCategory | null; latestScore: number | null; needs: string } | null;
  };
}

/**
 * The source articles' two sides of loyalty: behavioural (the top RFM segment of the style in
 * force) and psychological (a promoter). Both: loyal. Behavioural only: a good customer,
 * profitable but likely to leave. Not in the top segment, but within the configured closeness of
 * every one of its conditions: one step from loyal, the best target for special treatment.
 * Closeness is the smallest of the per-condition ratios: purchases, spend and the recency window
 * over the time since the last purchase (fixed thresholds), or score over the lowest score of the
 * top segment's range (quantile).
 */
export function classifyLoyalty(
  values: RfmValues,
  placement: RfmPlacement,
  nps: { score: number; category: NpsCategory } | null,
  rules: ProgramRules,
  asOf: string,
): LoyaltyClassification {
  const topName = rules.loyalty.topSegment;
  const side = rules.rfm.style === 'quantile' ? quantileSide(rules, placement.scores) : fixedSide(rules, values, asOf);
  const psychological = psychologicalGap(nps, rules);
  const lacks = { behavioural: placement.segment === topName ? [] : side.gaps, psychological };
  const closenessPercent = placement.segment === topName ? 100 : side.closenessPercent;
  const npsText = psychological ? `; psychological side: ${psychological.needs}` : '';
  if (placement.segment === topName) {
    if (!psychological) return { class: 'loyal', closenessPercent, reason: `top RFM segment (${topName}) and a promoter`, lacks };
    return { class: 'good-customer', closenessPercent, reason: `top RFM segment (${topName}), profitable but not yet attached${npsText}`, lacks };
  }
  const way = `${closenessPercent}% of the way to ${topName}: ${side.gaps.join(', ')}${npsText}`;
  if (closenessPercent >= rules.loyalty.oneStepClosenessPercent) return { class: 'one-step-from-loyal', closenessPercent, reason: way, lacks };
  return { class: 'other', closenessPercent, reason: way, lacks };
}

/** What would make the customer a promoter: their latest answer and the score a promoter gives. */
function psychologicalGap(nps: { score: number; category: NpsCategory } | null, rules: ProgramRules): LoyaltyClassification['lacks']['psychological'] {
  if (nps?.category === 'promoter') return null;
  const promoterFrom = rules.nps.passiveMax + 1;
  if (!nps) return { latest: null, latestScore: null, needs: `no NPS answer yet: an answer of ${promoterFrom} or more (a promoter)` };
  return {
    latest: nps.category,
    latestScore: nps.score,
    needs: `latest answer ${nps.score} (a ${nps.category}): an answer of ${promoterFrom} or more (a promoter)`,
  };
}

function fixedSide(rules: ProgramRules, values: RfmValues, asOf: string): { closenessPercent: number; gaps: string[] } {
  const top = rules.rfm.segments.find((s) => s.name === rules.loyalty.topSegment);
  if (!top) throw new Error(`rules: loyalty.topSegment ${rules.loyalty.topSegment} is not an RFM segment`);
  return { closenessPercent: fixedCloseness(values, top, asOf), gaps: fixedGaps(values, top, asOf) };
}

function fixedCloseness(values: RfmValues, top: RfmSegmentRule, asOf: string): number {
  if (values.lastPurchaseAt === null) return 0;
  const asOfMs = parseInstant(asOf);
  const windowMs = asOfMs - addMonths(asOfMs, -top.recencyMonths);
  const sinceLast = asOfMs - parseInstant(values.lastPurchaseAt);
  const ratios = [
    Math.min(1, values.frequency / top.minPurchases),
    top.minSpendMinor === 0 ? 1 : Math.min(1, values.monetary / top.minSpendMinor),
    sinceLast < windowMs ? 1 : windowMs / sinceLast,
  ];
  return Math.floor(100 * Math.min(...ratios));
}

function fixedGaps(values: RfmValues, top: RfmSegmentRule, asOf: string): string[] {
  const out: string[] = [];
  if (values.frequency < top.minPurchases) out.push(`${top.minPurchases - values.frequency} more purchase(s)`);
  if (values.monetary < top.minSpendMinor) out.push(`${top.minSpendMinor - values.monetary} more spend`);
  if (values.lastPurchaseAt === null || parseInstant(values.lastPurchaseAt) <= addMonths(parseInstant(asOf), -top.recencyMonths))
    out.push(`a purchase within ${top.recencyMonths} month(s)`);
  return out;
}

const DIMENSIONS: (keyof RfmScores)[] = ['recency', 'frequency', 'monetary'];

function quantileSide(rules: ProgramRules, scores: RfmScores | null): { closenessPercent: number; gaps: string[] } {
  const top = rules.rfm.quantileSegments.find((s) => s.name === rules.loyalty.topSegment);
  if (!top) throw new Error(`rules: loyalty.topSegment ${rules.loyalty.topSegment} is not a quantile RFM segment`);
  if (!scores) return { closenessPercent: 0, gaps: [`a purchase within ${rules.rfm.lookbackMonths} month(s)`] };
  const ratio = (range: [number, number], score: number) => (score < range[0] ? score / range[0] : score > range[1] ? range[1] / score : 1);
  const closenessPercent = Math.floor(100 * Math.min(...DIMENSIONS.map((d) => ratio(top[d], scores[d]))));
  return { closenessPercent, gaps: quantileGaps(top, scores) };
}

function quantileGaps(top: RfmQuantileSegmentRule, scores: RfmScores): string[] {
  return DIMENSIONS.filter((d) => scores[d] < top[d][0] || scores[d] > top[d][1]).map((d) =>
    scores[d] < top[d][0] ? `${d} score ${scores[d]} (needs ${top[d][0]} or more)` : `${d} score ${scores[d]} (needs ${top[d][1]} or less)`,
  );
}
