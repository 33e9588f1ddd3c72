import { addMonths, parseInstant, type ProgramRules } from '@loyalty/program-rules';
import type { NpsCategory } from './nps';
import { rfmSegment, type RfmValues } from './rfm';

export type LoyaltyClass = 'loyal' | 'good-customer' | 'one-step-from-loyal' | 'other';

export interface LoyaltyClassification {
  class: LoyaltyClass;
  /** How close to every threshold of the top RFM segment, 0-100 (100: all met). */
  closenessPercent: number;
  reason: string;
}

/**
 * The source articles' two sides of loyalty: behavioural (the top RFM segment) and
 * psychological (a promoter). Both: loyal. Behavioural only: a good customer, profitable but
 * likely to leave. Neither, but within the configured closeness of every top threshold: one
 * step from loyal, the best target for special treatment. Closeness is the smallest of the
 * three ratios (purchases, spend, and the recency window over the time since the last purchase).
 */
export function classifyLoyalty(values: RfmValues, nps: NpsCategory | null, rules: ProgramRules, asOf: string): LoyaltyClassification {
  const top = rules.rfm.segments.find((s) => s.name === rules.loyalty.topSegment);
  if (!top) throw new Error(`rules: loyalty.topSegment ${rules.loyalty.topSegment} is not an RFM segment`);
  const closenessPercent = closeness(values, top, asOf);
  const segment = rfmSegment(values, rules.rfm, asOf).segment;
  if (segment === top.name) {
    if (nps === 'promoter') return { class: 'loyal', closenessPercent, reason: `top RFM segment (${top.name}) and a promoter` };
    return {
      class: 'good-customer',
      closenessPercent,
      reason: `top RFM segment (${top.name}) but ${nps === null ? 'no NPS answer' : `a ${nps}`}: profitable, not yet attached`,
    };
  }
  if (closenessPercent >= rules.loyalty.oneStepClosenessPercent) {
    return { class: 'one-step-from-loyal', closenessPercent, reason: `${closenessPercent}% of the way to ${top.name}: ${gaps(values, top, asOf).join(', ')}` };
  }
  return { class: 'other', closenessPercent, reason: `${closenessPercent}% of the way to ${top.name}` };
}

type TopRule = ProgramRules['rfm']['segments'][number];

function closeness(values: RfmValues, top: TopRule, asOf: string): number {
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

function gaps(values: RfmValues, top: TopRule, asOf: string): string[] {
  const out: string[] = [];
  if (values.frequency < top.minPurchases) out.push(`${top.minPurchases - values.frequency} more purchase(s)`);
  if (values.monetary < top.minSpendMinor) out.push(`${top.minSpendMinor - values.monetary} more spend`);
  if (values.lastPurchaseAt === null || parseInstant(values.lastPurchaseAt) <= addMonths(parseInstant(asOf), -top.recencyMonths))
    out.push(`a purchase within ${top.recencyMonths} month(s)`);
  return out;
}
