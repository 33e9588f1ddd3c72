import { addMonths, formatInstant, parseInstant, type RfmRules, type RfmSegmentRule } from '@loyalty/program-rules';
import type { CustomerProfile } from '../customer-profile/customer-profile.projection';

export interface RfmValues {
  /** The last purchase inside the look-back window, if any. */
  lastPurchaseAt: string | null;
  /** Whole days from the last purchase to as-of. */
  recencyDays: number | null;
  /** Purchases in the look-back window (fully refunded ones do not count). */
  frequency: number;
  /** Net spend in the look-back window, minor units. */
  monetary: number;
}

const DAY = 86_400_000;

/** Recency, frequency and monetary value over the rules' look-back window ending at as-of. */
export function rfmValues(profile: CustomerProfile, rules: RfmRules, asOf: string): RfmValues {
  const asOfMs = parseInstant(asOf);
  const from = formatInstant(addMonths(asOfMs, -rules.lookbackMonths));
  let last: string | null = null;
  let frequency = 0;
  let monetary = 0;
  for (const p of profile.purchases) {
    const net = p.amount - p.refunded;
    if (net <= 0 || p.at <= from || p.at > asOf) continue;
    frequency++;
    monetary += net;
    if (last === null || p.at > last) last = p.at;
  }
  return { lastPurchaseAt: last, recencyDays: last === null ? null : Math.floor((asOfMs - parseInstant(last)) / DAY), frequency, monetary };
}

/** Does one segment's rule hold? Half-open: strictly within the recency months, at least the counts. */
export function meetsSegment(values: RfmValues, rule: RfmSegmentRule, asOf: string): boolean {
  if (values.lastPurchaseAt === null) return false;
  const recentEnough = parseInstant(values.lastPurchaseAt) > addMonths(parseInstant(asOf), -rule.recencyMonths);
  return recentEnough && values.frequency >= rule.minPurchases && values.monetary >= rule.minSpendMinor;
}

/** The first segment (in the rules' order, strictest first) whose three conditions hold. */
export function rfmSegment(values: RfmValues, rules: RfmRules, asOf: string): { segment: string; reason: string } {
  for (const rule of rules.segments) {
    if (meetsSegment(values, rule, asOf)) {
      return {
        segment: rule.name,
        reason: `${rule.name}: last purchase ${values.recencyDays} days ago (within ${rule.recencyMonths} months), ${values.frequency} purchases (>= ${rule.minPurchases}), ${values.monetary} spent (>= ${rule.minSpendMinor})`,
      };
    }
  }
  return {
    segment: rules.otherSegment,
    reason: `${rules.otherSegment}: no segment's thresholds met (${values.frequency} purchases, ${values.monetary} spent, last ${values.recencyDays ?? 'never'} days ago)`,
  };
}
