import type { CustomerProfile, ProfileSupportContact } from '../customer-profile/customer-profile.projection';

/** Bands of time to resolution, by their upper bounds in minutes (ascending); a last open band follows. */
export const DEFAULT_RESOLUTION_BANDS_MINUTES = [60, 240, 1440, 4320] as const;

export interface RepurchaseRow {
  group: string;
  /** Contacts whose whole window has passed by the period's end. */
  contacts: number;
  /** Of those, the ones followed by a purchase within the window. */
  repurchased: number;
  /**
   * repurchased / contacts in percent, one decimal; null without contacts.
   * @format double
   */
  ratePercent: number | null;
}

export interface RepurchaseReport {
  windowDays: number;
  overall: RepurchaseRow;
  byResolutionTime: RepurchaseRow[];
  bySatisfaction: RepurchaseRow[];
  /** Contacts opened in the period whose window had not closed by its end: left out, not counted as lost. */
  windowNotClosed: number;
}

const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * Did a support contact bring the customer back? For each contact opened in [from, to) whose
 * window has closed by `to`: a purchase (not fully refunded) after the contact ended (its
 * resolution, or its opening when unresolved) and within `windowDays` of it. Grouped by time to
 * resolution (bands, and "unresolved") and by satisfaction (1-5, and "none"), so a program can
 * check the source's claim (69 % buy again after a good answer, 92 % after a fast and satisfying
 * one) on its own data.
 */
export function supportRepurchase(
  profiles: Iterable<CustomerProfile>,
  period: { from: string; to: string },
  windowDays: number,
  bandsMinutes: readonly number[] = DEFAULT_RESOLUTION_BANDS_MINUTES,
): RepurchaseReport {
  const acc = new RepurchaseAccumulator(period, windowDays, bandsMinutes);
  for (const profile of profiles) acc.add(profile);
  return acc.report();
}

/** The same, one profile at a time (profiles stream from the read model). */
export class RepurchaseAccumulator {
  private readonly overall = { contacts: 0, repurchased: 0 };
  private readonly byBand = new Map<string, { contacts: number; repurchased: number }>();
  private readonly bySatisfaction = new Map<string, { contacts: number; repurchased: number }>();
  private windowNotClosed = 0;
  private readonly bandNames: string[];

  constructor(
    private readonly period: { from: string; to: string },
    private readonly windowDays: number,
    private readonly bandsMinutes: readonly number[],
  ) {
    this.bandNames = [
      ...bandsMinutes.map((upper, i) => `${i === 0 ? 0 : bandsMinutes[i - 1]}-${upper} min`),
      `over ${bandsMinutes.at(-1) ?? 0} min`,
      'unresolved',
    ];
    for (const name of this.bandNames) this.byBand.set(name, { contacts: 0, repurchased: 0 });
    for (const name of ['1', '2', '3', '4', '5', 'none']) this.bySatisfaction.set(name, { contacts: 0, repurchased: 0 });
  }

  add(profile: CustomerProfile): void {
    const toMs = Date.parse(this.period.to);
    for (const contact of profile.supportContacts) {
      if (contact.openedAt < this.period.from || contact.openedAt >= this.period.to) continue;
      const endedMs = Date.parse(contact.resolved && contact.resolvedAt ? contact.resolvedAt : contact.openedAt);
      const windowEndMs = endedMs + this.windowDays * DAY;
      if (windowEndMs > toMs) {
        this.windowNotClosed++;
        continue;
      }
      const came = profile.purchases.some((p) => p.amount - p.refunded > 0 && Date.parse(p.at) > endedMs && Date.parse(p.at) <= windowEndMs);
      this.count(this.overall, came);
      this.count(this.byBand.get(this.bandOf(contact)), came);
      this.count(this.bySatisfaction.get(contact.satisfaction === null ? 'none' : String(contact.satisfaction)), came);
    }
  }

  report(): RepurchaseReport {
    const rows = (m: Map<string, { contacts: number; repurchased: number }>) => [...m].map(([group, c]) => row(group, c));
    return {
      windowDays: this.windowDays,
      overall: row('all', this.overall),
      byResolutionTime: rows(this.byBand),
      bySatisfaction: rows(this.bySatisfaction),
      windowNotClosed: this.windowNotClosed,
    };
  }

  private bandOf(contact: ProfileSupportContact): string {
    if (!contact.resolved || !contact.resolvedAt) return 'unresolved';
    const minutes = (Date.parse(contact.resolvedAt) - Date.parse(contact.openedAt)) / MINUTE;
    const index = this.bandsMinutes.findIndex((upper) => minutes <= upper);
    return this.bandNames[index === -1 ? this.bandsMinutes.length : index];
  }

  private count(cell: { contacts: number; repurchased: number } | undefined, came: boolean): void {
    if (!cell) return;
    cell.contacts++;
    if (came) cell.repurchased++;
  }
}

function row(group: string, { contacts, repurchased }: { contacts: number; repurchased: number }): RepurchaseRow {
  return { group, contacts, repurchased, ratePercent: contacts === 0 ? null : Math.round((1000 * repurchased) / contacts) / 10 };
}
