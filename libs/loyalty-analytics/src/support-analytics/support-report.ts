import {
  DEFAULT_RESOLUTION_BANDS_MINUTES,
  RepurchaseAccumulator,
  supportMetrics,
  type CustomerProfile,
  type ProfileSupportContact,
  type RepurchaseReport,
  type SupportMetrics,
} from '@loyalty/read-models';
import { evaluateCustomer, type EvaluationContext } from '../profiles/customer-evaluation';

export type SupportGrouping = 'none' | 'customer' | 'segment' | 'tier' | 'month';

/**
 * Support measures of the contacts opened in [from, to): all together, or per customer, per RFM
 * segment or tier (the customer's as of `to`, the context's instant), or per month of opening (UTC).
 */
export async function supportReport(
  profiles: AsyncIterable<CustomerProfile>,
  atEnd: EvaluationContext,
  from: string,
  groupBy: SupportGrouping,
): Promise<({ group: string } & SupportMetrics)[]> {
  const to = atEnd.asOf;
  const groups = new Map<string, ProfileSupportContact[]>();
  const add = (group: string, contact: ProfileSupportContact) => {
    const list = groups.get(group);
    if (list) list.push(contact);
    else groups.set(group, [contact]);
  };
  for await (const profile of profiles) {
    const contacts = profile.supportContacts.filter((c) => c.openedAt >= from && c.openedAt < to);
    if (contacts.length === 0) continue;
    const evaluation = groupBy === 'segment' || groupBy === 'tier' ? evaluateCustomer(profile, atEnd) : null;
    for (const c of contacts) {
      const group =
        groupBy === 'none'
          ? 'all'
          : groupBy === 'customer'
            ? profile.customerId
            : groupBy === 'month'
              ? c.openedAt.slice(0, 7)
              : groupBy === 'segment'
                ? (evaluation?.rfm.segment ?? '')
                : (evaluation?.tier ?? '');
      add(group, c);
    }
  }
  if (groupBy === 'none' && groups.size === 0) groups.set('all', []);
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([group, contacts]) => ({ group, ...supportMetrics(contacts) }));
}

/** The repurchase rate after support contacts of the period (see RepurchaseAccumulator), streaming the profiles. */
export async function repurchaseReport(
  profiles: AsyncIterable<CustomerProfile>,
  period: { from: string; to: string },
  windowDays: number,
  bandsMinutes: readonly number[] = DEFAULT_RESOLUTION_BANDS_MINUTES,
): Promise<RepurchaseReport> {
  const acc = new RepurchaseAccumulator(period, windowDays, bandsMinutes);
  for await (const profile of profiles) acc.add(profile);
  return acc.report();
}
