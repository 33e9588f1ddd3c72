import {
  BreakageAccumulator,
  datedPostings,
  effectiveAtOf,
  LiabilityAccumulator,
  lotKey,
  periods as periodsOf,
  RollForwardAccumulator,
  TrialBalanceAccumulator,
  type BreakageReport,
  type LiabilityReport,
  type Movement,
} from '@loyalty/finance';
import type { EventStore } from '@loyalty/event-store';
import { lotIdsTouchedBy, type LedgerEvent } from '@loyalty/ledger-domain';
import type { RuleBook } from '@loyalty/program-rules';
import type { RollForwardRow, TrialBalanceRow } from '@loyalty/finance';
import { scanLedger, type ScanProgress } from '../ledger-scan/ledger-scan';

/** Every report says which cut of the ledger it was computed from, so it can be reproduced. */
export interface LedgerCut {
  /** The last ledger position included: the same figures come back from the same cut. */
  ledgerPosition: string;
  eventsScanned: number;
}

export interface EntryFilter {
  /** Effective at or after (ISO-8601). */
  from?: string;
  /** Effective before. */
  to?: string;
  movement?: Movement;
  /** A chart-of-accounts account, e.g. liability:customer-points. */
  account?: string;
  customerId?: string;
  /** Entries behind one row of the liability split as of an instant: the lots of that row, and every movement of them up to then. */
  liabilitySplit?: { asOf: string; split: 'tier' | 'lotAge' | 'expiryMonth'; key: string };
  /** Positions strictly after this one (paging). */
  after?: bigint;
  limit: number;
}

/** One ledger entry as an auditor needs it: what, when, how much, from where, under which rules, computed how. */
export interface AuditedEntry {
  position: string;
  stream: string;
  revision: string;
  eventId: string;
  type: string;
  effectiveAt: string;
  recordedAt: string;
  postings: { debit: string; credit: string; points: number; movement: Movement; memo: string }[];
  source: { provenance: unknown; sourceKey: unknown; orderId: string | null };
  rules: unknown;
  breakdown: unknown;
}

type RulesSource = { current(): RuleBook };

/**
 * Which recorded entries a report reads (the second time axis): by default every entry in the
 * ledger when the report starts. `atPosition` stops at a global position, `knownAt` keeps the
 * entries recorded at or before an instant: "what did we report on 31 March" is the report as
 * of 31 March known at 31 March; "what do we know now about 31 March" is the same asOf known now.
 */
export interface RecordedCut {
  atPosition?: bigint;
  knownAt?: string;
  onProgress?: (p: ScanProgress) => void;
}

/** The finance reports, each computed by streaming the ledger (no read model to trust). */
export class FinanceReportService {
  constructor(
    private readonly ledger: EventStore,
    private readonly rules: RulesSource,
  ) {}

  /** The points liability as of an instant (entries dated at or before it); for one customer with `customerId`. */
  async liability(asOf: string, cut: RecordedCut & { customerId?: string } = {}): Promise<LiabilityReport & LedgerCut & { customerId?: string }> {
    const rules = this.rules.current().inForceAt(Date.parse(asOf)).rules;
    const acc = new LiabilityAccumulator(asOf, { currency: rules.currency, minorUnitsPerPoint: rules.pointValue.minorUnitsPerPoint }, cut.customerId);
    const scanned = await this.scan((e) => acc.add(e), cut);
    return { ...(cut.customerId !== undefined ? { customerId: cut.customerId } : {}), ...acc.report(), ...scanned };
  }

  async rollForward(
    from: string,
    to: string,
    by: 'day' | 'month',
    cut: RecordedCut = {},
  ): Promise<{ from: string; to: string; by: string; rows: RollForwardRow[] } & LedgerCut> {
    const acc = new RollForwardAccumulator(periodsOf(from, to, by));
    const scanned = await this.scan((e) => acc.add(e), cut);
    return { from, to, by, rows: acc.report(), ...scanned };
  }

  async trialBalance(
    from: string,
    to: string,
    cut: RecordedCut = {},
  ): Promise<{ from: string; to: string; rows: TrialBalanceRow[]; totalDebit: number; totalCredit: number } & LedgerCut> {
    const acc = new TrialBalanceAccumulator({ from, to });
    const scanned = await this.scan((e) => acc.add(e), cut);
    return { ...acc.report(), ...scanned };
  }

  async breakage(from: string, to: string, by: 'day' | 'month', cut: RecordedCut = {}): Promise<BreakageReport & LedgerCut> {
    const acc = new BreakageAccumulator(periodsOf(from, to, by), to);
    const scanned = await this.scan((e) => acc.add(e), cut);
    return { ...acc.report(), ...scanned };
  }

  /** Feeds every loyalty entry of the cut to `visit`, in position order. */
  private async scan(visit: (event: LedgerEvent) => void, cut: RecordedCut): Promise<LedgerCut & { knownAt?: string }> {
    const head = await this.ledger.headPosition();
    const upTo = cut.atPosition !== undefined && cut.atPosition < head ? cut.atPosition : head;
    const knownAt = cut.knownAt;
    const scanned = await scanLedger(this.ledger, (stored, event) => event && (knownAt === undefined || stored.recordedAt <= knownAt) && visit(event), {
      upTo,
      onProgress: cut.onProgress,
    });
    return { ledgerPosition: scanned.upTo.toString(), eventsScanned: scanned.events, ...(knownAt !== undefined ? { knownAt } : {}) };
  }

  /** The entries behind a figure, in position order, paged by `after`. */
  async entries(filter: EntryFilter): Promise<{ entries: AuditedEntry[]; nextAfter: string | null } & LedgerCut> {
    const entries: AuditedEntry[] = [];
    let splitLots: Set<string> | null = null;
    const upTo = await this.ledger.headPosition();
    if (filter.liabilitySplit) {
      // First pass: which lots make up that row as of its instant (the same cut as the second pass).
      const { asOf, split, key } = filter.liabilitySplit;
      const acc = new LiabilityAccumulator(asOf, { currency: '', minorUnitsPerPoint: 1 });
      await scanLedger(this.ledger, (_s, e) => e && acc.add(e), { upTo });
      splitLots = acc.lotsIn(split, key);
    }
    let more = false;
    const cut = await scanLedger(this.ledger, (stored, event) => {
      if (!event || more) return;
      if (
        splitLots &&
        (effectiveAtOf(event) > (filter.liabilitySplit?.asOf ?? '') || !lotIdsTouchedBy(event).some((lotId) => splitLots?.has(lotKey(event.customerId, lotId))))
      )
        return;
      if (filter.after !== undefined && stored.position <= filter.after) return;
      if (filter.customerId && event.customerId !== filter.customerId) return;
      const effectiveAt = effectiveAtOf(event);
      if ((filter.from && effectiveAt < filter.from) || (filter.to && effectiveAt >= filter.to)) return;
      const postings = datedPostings(event).filter(
        (p) => (!filter.movement || p.movement === filter.movement) && (!filter.account || p.debit === filter.account || p.credit === filter.account),
      );
      if ((filter.movement || filter.account) && postings.length === 0) return;
      if (entries.length === filter.limit) {
        more = true;
        return;
      }
      const metadata = stored.metadata;
      entries.push({
        position: stored.position.toString(),
        stream: stored.stream,
        revision: stored.revision.toString(),
        eventId: stored.eventId,
        type: event.type,
        effectiveAt,
        recordedAt: stored.recordedAt,
        postings: postings.map((p) => ({ debit: p.debit, credit: p.credit, points: p.points, movement: p.movement, memo: p.memo })),
        source: { provenance: metadata.provenance ?? null, sourceKey: metadata.sourceKey ?? null, orderId: orderIdOf(event) },
        rules: metadata.rules ?? null,
        breakdown: event.type === 'PointsEarned' ? event.breakdown : null,
      });
    });
    return { entries, nextAfter: more ? entries[entries.length - 1].position : null, ledgerPosition: cut.upTo.toString(), eventsScanned: cut.events };
  }
}

function orderIdOf(event: LedgerEvent): string | null {
  if ('orderId' in event && typeof event.orderId === 'string') return event.orderId;
  if (event.type === 'PointsEarned' && event.source.kind === 'purchase') return event.source.orderId;
  return null;
}
