import { InMemoryEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { SqliteProjectionStore } from '@loyalty/projection-runner';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload } from '@loyalty/workload-generator';
import { InMemoryOperationsStore } from '../operations-store/in-memory-operations-store';
import { RulesCatalog } from '../rules-lifecycle/rules-catalog';
import { ReplayService } from './replay-service';
import { OperationsReadView } from './operations-read-view';

// Several API instances share one operations store (PostgreSQL in production): each replay must
// have exactly one runner, or two writers would fold the same events into its shadow tables.
describe('ReplayService across instances sharing one operations store', () => {
  const clock = () => new Date('2026-07-01T00:00:00Z');
  let ledger: InMemoryEventStore;
  let projections: SqliteProjectionStore;
  let operations: InMemoryOperationsStore;
  let catalog: RulesCatalog;
  const instance = (owner: string, leaseMs = 60_000) =>
    new ReplayService(ledger, projections, operations, catalog, new OperationsReadView(operations, catalog), clock, {
      owner,
      leaseMs,
      batchSize: 100,
      commitEveryEvents: 100,
    });

  beforeEach(async () => {
    ledger = new InMemoryEventStore();
    const ruleBook = new RuleBook([defaultProgramRules()]);
    const writer = new LedgerWriter(ledger, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') });
    const items = [...generateWorkload({ seed: 5, customers: 30, purchases: 300, enrolCustomers: true })];
    await writer.executeBatch(items.map((item, index) => ({ command: item.command, provenance: { channel: 'batch', batchId: 'replays', index } })));
    projections = new SqliteProjectionStore(':memory:');
    operations = new InMemoryOperationsStore();
    catalog = new RulesCatalog(operations, [defaultProgramRules()], clock);
    await catalog.submit({ ...defaultProgramRules(), version: 2 }, 'ops-1');
  });
  afterEach(async () => {
    await projections.close();
  });

  it('runs a replay in the instance that started it only; another instance takes it over once the first lets it go', async () => {
    const a = instance('instance-a');
    const b = instance('instance-b');
    const { id } = await a.start({ candidateVersion: 2, actor: 'ops-1' });
    expect((await a.settled(id)).status).toBe('ready');
    expect(await b.resumeAll()).toEqual([]); // a still runs it (its shadow tables follow the ledger)
    expect(await a.resumeAll()).toEqual([id]);
    await a.stop(); // releases its claim
    expect(await b.resumeAll()).toEqual([id]);
    expect(await a.resumeAll()).toEqual([]); // now b's
    await b.stop();
  });

  it('takes over a replay whose instance stopped renewing its claim (it died) once the lease has run out', async () => {
    const dead = instance('instance-dead', 150);
    const { id } = await dead.start({ candidateVersion: 2, actor: 'ops-1' });
    await dead.settled(id);
    // A death: the runners and renewals stop, nothing is released.
    const release = jest.spyOn(operations, 'releaseReplayRunner').mockResolvedValue(undefined);
    await dead.stop();
    release.mockRestore();
    const heir = instance('instance-heir', 150);
    expect(await heir.resumeAll()).toEqual([]); // the lease still runs
    heir.takeOverOrphans(50); // the sweep, not this test, claims it once the lease ends
    const deadline = Date.now() + 5_000;
    while (!heir.runningHere().includes(id)) {
      if (Date.now() > deadline) throw new Error('the orphaned replay was not taken over');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await operations.replay(id))?.status).toBe('ready');
    await heir.stop();
  });

  it('fences out an instance that stalled past its lease: once another took the replay over, its commits are refused, and the replay is not marked failed', async () => {
    const claim = operations.claimReplayRunner.bind(operations);
    // Instance "stalled" gets its first claim, then its renewals never return (a long pause).
    jest
      .spyOn(operations, 'claimReplayRunner')
      .mockImplementation((id, owner, now, until) =>
        owner === 'instance-stalled' && stalledClaims++ > 0 ? new Promise<boolean>(() => undefined) : claim(id, owner, now, until),
      );
    let stalledClaims = 0;
    const stalled = instance('instance-stalled', 150);
    const { id } = await stalled.start({ candidateVersion: 2, actor: 'ops-1', throttleEventsPerSecond: 1_500 });
    const heir = instance('instance-heir', 150);
    heir.takeOverOrphans(50);
    await heir.settled(id).catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (!heir.runningHere().includes(id) || (await operations.replay(id))?.status !== 'ready') {
      if (Date.now() > deadline) throw new Error(`the heir did not finish the replay (status ${(await operations.replay(id))?.status})`);
      await new Promise((r) => setTimeout(r, 25));
    }
    await stalled.settled(id); // the stalled instance's run ends: refused, not failed
    expect(stalled.runningHere()).toEqual([]);
    expect((await operations.replay(id))?.status).toBe('ready');
    await heir.stop();
    await stalled.stop();
  });

  it('stops a live-following replay runner that was fenced out by another instance, without crashing the process', async () => {
    const claim = operations.claimReplayRunner.bind(operations);
    let stalledClaims = 0;
    jest
      .spyOn(operations, 'claimReplayRunner')
      .mockImplementation((id, owner, now, until) =>
        owner === 'instance-stalled' && stalledClaims++ > 0 ? new Promise<boolean>(() => undefined) : claim(id, owner, now, until),
      );
    const stalled = instance('instance-stalled', 150);
    const { id } = await stalled.start({ candidateVersion: 2, actor: 'ops-1' });
    expect((await stalled.settled(id)).status).toBe('ready'); // caught up: now following the ledger live
    const heir = instance('instance-heir', 150);
    heir.takeOverOrphans(50);
    const deadline = Date.now() + 10_000;
    while (!heir.runningHere().includes(id)) {
      if (Date.now() > deadline) throw new Error('the heir did not take the replay over');
      await new Promise((r) => setTimeout(r, 25));
    }
    // New ledger entries: both instances' runners see them; only the heir's may write.
    const ruleBook = new RuleBook([defaultProgramRules()]);
    const writer = new LedgerWriter(ledger, { current: () => ruleBook }, { now: () => new Date('2026-06-02T00:00:00Z') });
    const more = [...generateWorkload({ seed: 6, customers: 5, purchases: 20 })];
    await writer.executeBatch(more.map((item, index) => ({ command: item.command, provenance: { channel: 'batch', batchId: 'more', index } })));
    while (stalled.runningHere().length > 0) {
      if (Date.now() > deadline) throw new Error('the fenced-out runner kept running');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(heir.runningHere()).toEqual([id]);
    expect((await operations.replay(id))?.status).toBe('ready');
    await heir.stop();
    await stalled.stop();
  });
});
