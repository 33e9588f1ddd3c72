import { InMemoryEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { ledgerEventRegistry, type LedgerCommand, type LedgerEvent } from '@loyalty/ledger-domain';
import { BreakageAccumulator, LiabilityAccumulator, periods } from '@loyalty/finance';
import { ProjectionRunner, SqliteProjectionStore } from '@loyalty/projection-runner';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { balancesProjection } from '@loyalty/read-models';
import { InMemoryOperationsStore } from '../operations-store/in-memory-operations-store';
import { ExpiryJob } from './expiry-job';

const ruleBook = new RuleBook([defaultProgramRules()]); // 12-month rolling expiry, 14 pending days
const NOW = '2026-06-01T00:00:00.000Z';
const purchase = (customerId: string, orderId: string, occurredAt: string, amount = 10_000): LedgerCommand => ({
  type: 'RecordPurchase',
  customerId,
  orderId,
  occurredAt,
  currency: 'JPY',
  amount,
});

async function setup(commands: LedgerCommand[]) {
  const ledger = new InMemoryEventStore();
  let now = new Date(NOW);
  const clock = { now: () => now };
  const writer = new LedgerWriter(ledger, { current: () => ruleBook }, clock);
  await writer.executeBatch(commands.map((command, index) => ({ command, provenance: { channel: 'batch', batchId: 'given', index } })));
  const projections = new SqliteProjectionStore(':memory:');
  const runner = new ProjectionRunner(ledger, projections, balancesProjection);
  const operations = new InMemoryOperationsStore();
  const job = new ExpiryJob(writer, projections, operations, () => now, { batchSize: 2 });
  const events = async (): Promise<LedgerEvent[]> =>
    (await ledger.readAll(0n, 100_000)).map((e) => ledgerEventRegistry.decode(e.type, e.schemaVersion, e.data));
  return { ledger, writer, runner, projections, operations, job, events, setNow: (iso: string) => (now = new Date(iso)) };
}

const expiries = (events: LedgerEvent[]) =>
  events.flatMap((e) => (e.type === 'PointsExpired' ? e.lots.map((l) => ({ customerId: e.customerId, lotId: l.lotId, points: l.points, at: e.asOf })) : []));

describe('the expiry job', () => {
  it('given lots due and not yet due, when it runs, then every due lot expires once, dated at its own expiry instant, and a lot due a millisecond later is untouched', async () => {
    const t = await setup([
      purchase('C-1', 'O-1', '2025-03-01T10:00:00.000Z'), // expires 2026-03-01T10:00
      purchase('C-1', 'O-2', '2025-11-01T10:00:00.000Z'), // not due
      purchase('C-2', 'O-3', '2025-05-31T23:59:59.999Z'), // expires 2026-05-31T23:59:59.999: due
      purchase('C-3', 'O-4', '2025-06-01T00:00:00.001Z'), // expires 1 ms after the cut-off: not due
      purchase('C-4', 'O-5', '2025-01-15T00:00:00.000Z'),
      purchase('C-5', 'O-6', '2025-02-01T00:00:00.000Z'),
    ]);
    await t.runner.catchUp();
    const run = await t.job.runOnce();
    expect(run).toMatchObject({ runId: `expiry-${NOW}`, cutoff: NOW, status: 'completed', accounts: 4, lotsExpired: 4 });
    expect(expiries(await t.events()).sort((a, b) => a.lotId.localeCompare(b.lotId))).toEqual([
      { customerId: 'C-1', lotId: 'purchase:O-1', points: 200, at: '2026-03-01T10:00:00.000Z' },
      { customerId: 'C-2', lotId: 'purchase:O-3', points: 200, at: '2026-05-31T23:59:59.999Z' },
      { customerId: 'C-4', lotId: 'purchase:O-5', points: 200, at: '2026-01-15T00:00:00.000Z' },
      { customerId: 'C-5', lotId: 'purchase:O-6', points: 200, at: '2026-02-01T00:00:00.000Z' },
    ]);
    expect(run?.pointsExpired).toBe(800);
    expect((await t.operations.auditTrail()).map((e) => [e.action, e.details])).toEqual([
      ['expiry.run-completed', { cutoff: NOW, accounts: 4, lotsExpired: 4, pointsExpired: 800 }],
    ]);

    // And again once the read model has seen the expiries, a millisecond later: nothing is due.
    await t.runner.catchUp();
    t.setNow('2026-06-01T00:00:00.001Z');
    const again = await t.job.runOnce();
    expect(again).toMatchObject({ status: 'completed', accounts: 1, lotsExpired: 1 }); // C-3's lot, now due
    expect(expiries(await t.events())).toHaveLength(5);
  });

  it('given a run stopped half way, when the job runs again, then it resumes the same run (same cut-off and id) and expires nothing twice', async () => {
    const t = await setup(Array.from({ length: 9 }, (_, i) => purchase(`C-${i}`, `O-${i}`, '2025-01-10T00:00:00.000Z')));
    await t.runner.catchUp();
    const failing = new ExpiryJob(t.writer, failAfter(2, t.projections), t.operations, () => new Date(NOW), { batchSize: 2 });
    await expect(failing.runOnce()).rejects.toThrow('stopped');
    expect(await t.operations.latestExpiryRun()).toMatchObject({ status: 'running', accounts: 4, afterCustomer: 'C-3' });
    t.setNow('2026-07-01T00:00:00.000Z'); // the resumed run keeps its own cut-off
    const run = await t.job.runOnce();
    expect(run).toMatchObject({ runId: `expiry-${NOW}`, status: 'completed', accounts: 9, lotsExpired: 9 });
    const expired = expiries(await t.events());
    expect(expired).toHaveLength(9);
    expect(new Set(expired.map((e) => e.lotId)).size).toBe(9);
  });

  it('given the job ran late, the liability as of any date before and after the expiry instant is what it was before the job ran, and breakage counts the points either way', async () => {
    const t = await setup([
      purchase('C-1', 'O-1', '2025-03-01T10:00:00.000Z'),
      purchase('C-2', 'O-2', '2025-09-01T00:00:00.000Z'),
      purchase('C-3', 'O-3', '2025-01-01T00:00:00.000Z', 30_000),
    ]);
    const instants = ['2025-12-31T00:00:00.000Z', '2026-03-01T09:59:59.999Z', '2026-03-01T10:00:00.000Z', '2026-04-15T00:00:00.000Z', NOW];
    const finance = async () => {
      const events = await t.events();
      return instants.map((asOf) => {
        const liability = new LiabilityAccumulator(asOf, { currency: 'JPY', minorUnitsPerPoint: 1 });
        const breakage = new BreakageAccumulator(periods('2026-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z', 'month'), asOf);
        for (const e of events) {
          liability.add(e);
          breakage.add(e);
        }
        const r = liability.report();
        return {
          asOf,
          outstanding: r.outstandingPoints,
          available: r.available,
          pending: r.pending,
          byExpiryMonth: r.byExpiryMonth.map((x) => [x.key, x.points]),
          breakage: breakage.report().estimate.expiredPoints,
        };
      });
    };
    const before = await finance();
    await t.runner.catchUp();
    await t.job.runOnce();
    expect(expiries(await t.events())).toHaveLength(2);
    expect(await finance()).toEqual(before);
    expect(before.map((b) => b.outstanding)).toEqual([200 + 200 + 550, 200 + 200, 200, 200, 200]);
    expect(before.map((b) => b.breakage)).toEqual([0, 550, 750, 750, 750]);
  });
});

/** The read store, failing the job's lookups after `pages` answers (a process stopped mid-run). */
function failAfter(pages: number, store: SqliteProjectionStore): SqliteProjectionStore {
  let answered = 0;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'keysWithHeadAtMost')
        return async (...args: Parameters<SqliteProjectionStore['keysWithHeadAtMost']>) => {
          if (answered++ >= pages) throw new Error('stopped');
          return target.keysWithHeadAtMost(...args);
        };
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
