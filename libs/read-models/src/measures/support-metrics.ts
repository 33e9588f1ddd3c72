import type { SupportChannel } from '@loyalty/ledger-domain';
import type { ProfileSupportContact } from '../customer-profile/customer-profile.projection';

export interface SupportMetrics {
  contacts: number;
  byChannel: Partial<Record<SupportChannel, number>>;
  resolved: number;
  unresolved: number;
  /** Time from opening to resolution, in whole minutes, nearest-rank percentiles. */
  medianResolutionMinutes: number | null;
  p90ResolutionMinutes: number | null;
  /**
   * Mean satisfaction (1-5) to one decimal, of the contacts that have one.
   * @format double
   */
  averageSatisfaction: number | null;
}

/** Support measures for any set of contacts (one customer, a segment, a period). */
export function supportMetrics(contacts: readonly ProfileSupportContact[]): SupportMetrics {
  const byChannel: Partial<Record<SupportChannel, number>> = {};
  const minutes: number[] = [];
  let resolved = 0;
  let satisfactionSum = 0;
  let satisfactionCount = 0;
  for (const c of contacts) {
    byChannel[c.channel] = (byChannel[c.channel] ?? 0) + 1;
    if (c.resolved) resolved++;
    if (c.resolved && c.resolvedAt) minutes.push(Math.floor((Date.parse(c.resolvedAt) - Date.parse(c.openedAt)) / 60_000));
    if (c.satisfaction !== null) {
      satisfactionSum += c.satisfaction;
      satisfactionCount++;
    }
  }
  minutes.sort((a, b) => a - b);
  return {
    contacts: contacts.length,
    byChannel,
    resolved,
    unresolved: contacts.length - resolved,
    medianResolutionMinutes: nearestRank(minutes, 50),
    p90ResolutionMinutes: nearestRank(minutes, 90),
    averageSatisfaction: satisfactionCount === 0 ? null : Math.round((10 * satisfactionSum) / satisfactionCount) / 10,
  };
}

/** The nearest-rank percentile of sorted values: the smallest value with at least p% at or below it. */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}
