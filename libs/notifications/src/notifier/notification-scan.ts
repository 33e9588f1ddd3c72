import type { ProjectionStore } from '@loyalty/projection-runner';
import type { RuleBook } from '@loyalty/program-rules';
import { evaluateCustomer, rfmBaseOfProfiles } from '@loyalty/loyalty-analytics';
import { zipByKey } from '@loyalty/program-operations';
import {
  balancesProjection,
  customerProfileProjection,
  deriveFromScan,
  projectionKey,
  type CustomerBalance,
  type CustomerProfile,
  type LoyaltyNotification,
  type ScanSettings,
  type StandingMemory,
} from '@loyalty/read-models';
import { TimeSlices } from '@loyalty/thread-support';
import type { NotificationOutbox } from '../outbox/notification-outbox.port';

const CHUNK = 500;

export interface ScanReport {
  after: string | null;
  asOf: string;
  customers: number;
  notifications: number;
}

/** Runs the scan up to an instant: here (NotificationScan) or in the notifications thread (NotificationSinks). */
export interface ScanRunner {
  run(asOf: string): Promise<ScanReport>;
}
export const NOTIFICATION_SCAN = Symbol('NOTIFICATION_SCAN');

/**
 * The time-driven notifications: every customer of the live read models (never a replay's
 * tables) scanned over (last scan, as-of] with the pure deriveFromScan, committed a chunk of
 * customers at a time with their standing memories. The window's end is saved last: a scan
 * killed half-way is redone over the same window, and gives the same ids. Scans run one at a
 * time: one asked while another runs starts from the window the first saved. Wherever it runs it
 * gives way every few milliseconds (reading and deriving alike) to the thread's other work.
 */
export class NotificationScan implements ScanRunner {
  /** The scan under way (settled either way): the next one starts after it. */
  private previous: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly projections: ProjectionStore,
    private readonly outbox: NotificationOutbox,
    private readonly rules: { current(): RuleBook },
    private readonly settings: ScanSettings,
  ) {}

  run(asOf: string): Promise<ScanReport> {
    const scanned = this.previous.then(() => this.scan(asOf));
    this.previous = scanned.catch(() => undefined);
    return scanned;
  }

  private async scan(asOf: string): Promise<ScanReport> {
    const after = await this.outbox.checkpoint('scan');
    if (after !== null && after >= asOf) return { after, asOf, customers: 0, notifications: 0 };
    const rules = this.rules.current().inForceAt(Date.parse(asOf)).rules;
    const profilesKey = projectionKey(customerProfileProjection);
    const balancesKey = projectionKey(balancesProjection);
    // The read models' position: the lower of the two read, taken before reading (they may only be further on).
    const checkpoints = await Promise.all([profilesKey, balancesKey].map((key) => this.projections.checkpoint(key)));
    const position = (checkpoints[0] < checkpoints[1] ? checkpoints[0] : checkpoints[1]).toString();
    const profiles = async function* (store: ProjectionStore) {
      for await (const [, state] of store.entries(profilesKey)) yield state as CustomerProfile;
    };
    const context = { rules, asOf, base: await rfmBaseOfProfiles(() => profiles(this.projections), rules, asOf), model: null };
    let customers = 0;
    let emitted = 0;
    let chunk: { customerId: string; profile: CustomerProfile | null; balance: CustomerBalance | null }[] = [];
    const slices = new TimeSlices();
    const flush = async () => {
      const memories = await this.outbox.standingMemories(chunk.map((c) => c.customerId));
      const changed = new Map<string, StandingMemory>();
      const notifications: LoyaltyNotification[] = [];
      for (const { customerId, profile, balance } of chunk) {
        const evaluation = profile ? evaluateCustomer(profile, context) : null;
        const result = deriveFromScan({
          customerId,
          profile,
          balance,
          memory: memories.get(customerId) ?? null,
          standing: evaluation && {
            segment: evaluation.rfm.segment,
            loyaltyClass: evaluation.loyalty.class,
            lacks: { behavioural: evaluation.loyalty.lacks.behavioural, psychological: evaluation.loyalty.lacks.psychological?.needs ?? null },
          },
          rules,
          after,
          asOf,
          position,
          settings: this.settings,
          otherSegment: rules.rfm.otherSegment,
        });
        if (result.memory) changed.set(customerId, result.memory);
        notifications.push(...result.notifications);
        await slices.giveWay();
      }
      await this.outbox.commitScanned(changed, notifications);
      emitted += notifications.length;
      chunk = [];
    };
    const sources = [profilesKey, balancesKey].map((key) => this.projections.entries(key));
    for await (const [customerId, profile, balance] of zipByKey(sources)) {
      chunk.push({ customerId, profile: (profile as CustomerProfile | undefined) ?? null, balance: (balance as CustomerBalance | undefined) ?? null });
      customers++;
      if (chunk.length >= CHUNK) await flush();
    }
    if (chunk.length > 0) await flush();
    await this.outbox.setCheckpoint('scan', asOf);
    return { after, asOf, customers, notifications: emitted };
  }
}
