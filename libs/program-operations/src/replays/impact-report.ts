import type { ProjectionStore } from '@loyalty/projection-runner';
import type { ProgramRules } from '@loyalty/program-rules';
import {
  balanceHoldingsAt,
  balancesProjection,
  customerProfileProjection,
  projectionKey,
  type CustomerBalance,
  type CustomerProfile,
} from '@loyalty/read-models';
import type { ReplayRecord } from '../operations-store/operations-store.port';
import type { RulesCatalog } from '../rules-lifecycle/rules-catalog';
import { evaluateCustomer, rfmBaseOfProfiles, type CustomerEvaluation, type EvaluationContext } from '@loyalty/loyalty-analytics';

export interface TransitionCount {
  from: string;
  to: string;
  customers: number;
}

export interface AffectedCustomer {
  customerId: string;
  tier: { from: string; to: string };
  segment: { from: string; to: string };
  classification: { from: string; to: string };
  outstandingPoints: { from: number; to: number };
}

/** What a candidate rules version would change, as of one instant: live view against the replay's view. */
export interface ImpactReport {
  asOf: string;
  live: { rulesVersion: number; minorUnitsPerPoint: number };
  candidate: { rulesVersion: number; minorUnitsPerPoint: number };
  customers: number;
  affectedCustomers: number;
  /** Every (from, to) pair with its count, unchanged pairs included: the full matrix. */
  tierTransitions: TransitionCount[];
  segmentChanges: TransitionCount[];
  classificationChanges: TransitionCount[];
  liability: { livePoints: number; candidatePoints: number; liveValueMinor: number; candidateValueMinor: number; deltaPoints: number; deltaValueMinor: number };
  /** The first affected customers by id (a deterministic sample). */
  sample: AffectedCustomer[];
}

const NONE = '(none)';

/** Builds the report one customer at a time (customers in id order; memory does not grow with them, beyond the sample). */
export class ImpactAccumulator {
  private readonly tiers = new Map<string, number>();
  private readonly segments = new Map<string, number>();
  private readonly classes = new Map<string, number>();
  private customers = 0;
  private affected = 0;
  private livePoints = 0;
  private candidatePoints = 0;
  private readonly sample: AffectedCustomer[] = [];

  constructor(
    private readonly asOf: string,
    private readonly live: ImpactReport['live'],
    private readonly candidate: ImpactReport['candidate'],
    private readonly sampleSize = 20,
  ) {}

  add(
    customerId: string,
    before: { evaluation: CustomerEvaluation | null; outstanding: number },
    after: { evaluation: CustomerEvaluation | null; outstanding: number },
  ): void {
    this.customers++;
    const tier = { from: before.evaluation?.tier ?? NONE, to: after.evaluation?.tier ?? NONE };
    const segment = { from: before.evaluation?.rfm.segment ?? NONE, to: after.evaluation?.rfm.segment ?? NONE };
    const classification = { from: before.evaluation?.loyalty.class ?? NONE, to: after.evaluation?.loyalty.class ?? NONE };
    bump(this.tiers, tier);
    bump(this.segments, segment);
    bump(this.classes, classification);
    this.livePoints += before.outstanding;
    this.candidatePoints += after.outstanding;
    const changed =
      tier.from !== tier.to || segment.from !== segment.to || classification.from !== classification.to || before.outstanding !== after.outstanding;
    if (!changed) return;
    this.affected++;
    if (this.sample.length < this.sampleSize)
      this.sample.push({ customerId, tier, segment, classification, outstandingPoints: { from: before.outstanding, to: after.outstanding } });
  }

  report(): ImpactReport {
    const liveValueMinor = this.livePoints * this.live.minorUnitsPerPoint;
    const candidateValueMinor = this.candidatePoints * this.candidate.minorUnitsPerPoint;
    return {
      asOf: this.asOf,
      live: this.live,
      candidate: this.candidate,
      customers: this.customers,
      affectedCustomers: this.affected,
      tierTransitions: matrix(this.tiers),
      segmentChanges: matrix(this.segments),
      classificationChanges: matrix(this.classes),
      liability: {
        livePoints: this.livePoints,
        candidatePoints: this.candidatePoints,
        liveValueMinor,
        candidateValueMinor,
        deltaPoints: this.candidatePoints - this.livePoints,
        deltaValueMinor: candidateValueMinor - liveValueMinor,
      },
      sample: this.sample,
    };
  }
}

function bump(counts: Map<string, number>, pair: { from: string; to: string }): void {
  const key = `${pair.from}\u0000${pair.to}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function matrix(counts: Map<string, number>): TransitionCount[] {
  return [...counts]
    .map(([key, customers]) => {
      const [from, to] = key.split('\u0000');
      return { from, to, customers };
    })
    .sort((a, b) => (a.from === b.from ? (a.to < b.to ? -1 : 1) : a.from < b.from ? -1 : 1));
}

/** Flat rows for CSV export: one per matrix cell, with the matrix named. */
export function impactRows(report: ImpactReport): Record<string, unknown>[] {
  return [
    ...report.tierTransitions.map((t) => ({ matrix: 'tier', ...t })),
    ...report.segmentChanges.map((t) => ({ matrix: 'segment', ...t })),
    ...report.classificationChanges.map((t) => ({ matrix: 'classification', ...t })),
  ];
}

/** Merge-joins async iterables sorted by key: yields each key with each side's value (undefined where missing). */
export async function* zipByKey(sources: AsyncIterable<[string, unknown]>[]): AsyncIterable<[string, ...unknown[]]> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const heads = await Promise.all(iterators.map((it) => it.next()));
  for (;;) {
    let min: string | null = null;
    for (const h of heads) if (!h.done && (min === null || h.value[0] < min)) min = h.value[0];
    if (min === null) return;
    const row: unknown[] = [];
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (!h.done && h.value[0] === min) {
        row.push(h.value[1]);
        heads[i] = await iterators[i].next();
      } else row.push(undefined);
    }
    yield [min, ...row];
  }
}

/** A replay's impact report as of an instant: the live tables under the rules in force against the replay's tables under its candidate rules. */
export async function replayImpact(record: ReplayRecord, catalog: RulesCatalog, projections: ProjectionStore, asOf: string): Promise<ImpactReport> {
  const candidateRules = await catalog.rules(record.candidateVersion);
  const liveRules = catalog.ruleBook().inForceAt(Date.parse(asOf)).rules;
  const acc = new ImpactAccumulator(
    asOf,
    { rulesVersion: liveRules.version, minorUnitsPerPoint: liveRules.pointValue.minorUnitsPerPoint },
    { rulesVersion: candidateRules.version, minorUnitsPerPoint: candidateRules.pointValue.minorUnitsPerPoint },
  );
  const profilesKey = projectionKey(customerProfileProjection);
  const balancesKey = projectionKey(balancesProjection);
  const keys = (side: 'live' | 'candidate') => ({
    profiles: side === 'live' ? profilesKey : (record.keys[customerProfileProjection.name] ?? profilesKey),
    balances: side === 'live' ? balancesKey : (record.keys[balancesProjection.name] ?? balancesKey),
  });
  const profilesOf = (key: string) =>
    async function* () {
      for await (const [, state] of projections.entries(key)) yield state as CustomerProfile;
    };
  // Each side is evaluated as its own doors would: its rules, and under quantile RFM its own base as of the same instant.
  const context = async (side: 'live' | 'candidate', rules: ProgramRules): Promise<EvaluationContext> => ({
    rules,
    asOf,
    base: await rfmBaseOfProfiles(profilesOf(keys(side).profiles), rules, asOf),
    model: null,
  });
  const liveContext = await context('live', liveRules);
  const candidateContext = await context('candidate', candidateRules);
  const evaluate = (profile: unknown, c: EvaluationContext) => (profile ? evaluateCustomer(profile as CustomerProfile, c) : null);
  const outstanding = (balance: unknown) => (balance ? balanceHoldingsAt(balance as CustomerBalance, Date.parse(asOf)).outstanding : 0);
  const sources = [keys('live').profiles, keys('live').balances, keys('candidate').profiles, keys('candidate').balances].map((key) => projections.entries(key));
  for await (const [customerId, lp, lb, cp, cb] of zipByKey(sources)) {
    acc.add(
      customerId,
      { evaluation: evaluate(lp, liveContext), outstanding: outstanding(lb) },
      { evaluation: evaluate(cp, candidateContext), outstanding: outstanding(cb) },
    );
  }
  return acc.report();
}
