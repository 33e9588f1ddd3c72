// @needs postgres (left out of npm run test:unit)
import { createHash, randomUUID } from 'node:crypto';
import { InMemoryEventStore } from '@loyalty/event-store';
import {
  customerIdOfStream,
  decide,
  evolve,
  foldLoyaltyAccount,
  initialLoyaltyAccountState,
  ledgerEventRegistry,
  loyaltyAccountStream,
  accountHoldingsAt,
  type LedgerCommand,
  type LoyaltyAccountState,
} from '@loyalty/ledger-domain';
import {
  balanceHoldingsAt,
  balancesProjection,
  customerProfileProjection,
  projectionKey,
  type CustomerBalance,
  type CustomerProjection,
} from '@loyalty/read-models';
import { canonicalJson, defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload } from '@loyalty/workload-generator';
import { PostgresProjectionStore } from '../store/postgres-projection-store';
import { SqliteProjectionStore } from '../store/sqlite-projection-store';
import type { ProjectionStore } from '../store/projection-store.port';
import { ProjectionRunner } from './projection-runner';

const ruleBook = new RuleBook([defaultProgramRules()]);
const ASOF = '2026-03-01T00:00:00.000Z';

/** A ledger written with the domain alone (decide, evolve, the event registry), no application layer. */
class TestLedger {
  readonly events = new InMemoryEventStore();
  private readonly accounts = new Map<string, LoyaltyAccountState>();

  async record(command: LedgerCommand): Promise<bigint> {
    const state = this.accounts.get(command.customerId) ?? initialLoyaltyAccountState();
    this.accounts.set(command.customerId, state);
    const decision = decide(command, state, { ruleBook, nowMs: Date.parse('2100-01-01T00:00:00Z') });
    if (decision.outcome !== 'accepted' || decision.events.length === 0) return this.events.headPosition();
    for (const e of decision.events) evolve(state, e);
    const encoded = decision.events.map((e) => ({ ...ledgerEventRegistry.encode(e), eventId: randomUUID(), metadata: {} }));
    return (await this.events.append(loyaltyAccountStream(command.customerId), encoded, 'any')).position;
  }

  async account(customerId: string): Promise<LoyaltyAccountState> {
    const stored = await this.events.readStream(loyaltyAccountStream(customerId));
    return foldLoyaltyAccount(stored.map((s) => ledgerEventRegistry.decode(s.type, s.schemaVersion, s.data)));
  }
}

async function ledgerWithWorkload(purchases: number): Promise<TestLedger> {
  const ledger = new TestLedger();
  for (const item of generateWorkload({ seed: 21, customers: 80, purchases, enrolCustomers: true })) await ledger.record(item.command);
  return ledger;
}

async function stateHash(store: ProjectionStore, key: string): Promise<string> {
  const hash = createHash('sha256');
  // Canonical JSON: PostgreSQL's jsonb does not keep key order, the states must still compare equal.
  for await (const [k, state] of store.entries(key)) hash.update(k).update(canonicalJson(state));
  return hash.digest('hex');
}

/** The store with its commit replaced (a failing or slow disk); everything else goes to it. */
function withCommit(store: ProjectionStore, commit: ProjectionStore['commit']): ProjectionStore {
  return {
    checkpoint: (p) => store.checkpoint(p),
    rebuildCursor: (p) => store.rebuildCursor(p),
    load: (p, k) => store.load(p, k),
    claimWriter: (p) => store.claimWriter(p),
    keysWithHeadAtMost: (p, q) => store.keysWithHeadAtMost(p, q),
    commit,
    entries: (p) => store.entries(p),
    drop: (p) => store.drop(p),
    close: () => store.close(),
  };
}

describe('ProjectionRunner (balances into SQLite)', () => {
  it('projects every account to the balance the ledger itself computes', async () => {
    const ledger = await ledgerWithWorkload(3_000);
    const events = ledger.events;
    const store = new SqliteProjectionStore(':memory:');
    const runner = new ProjectionRunner(events, store, balancesProjection, { batchSize: 500 });
    expect(await runner.catchUp()).toBe(await events.headPosition());
    let accounts = 0;
    for await (const [customerId, state] of store.entries(runner.key)) {
      accounts++;
      const fromLedger = accountHoldingsAt(await ledger.account(customerId), Date.parse(ASOF));
      const projected = balanceHoldingsAt(state as CustomerBalance, Date.parse(ASOF));
      expect(projected).toEqual(fromLedger);
    }
    expect(accounts).toBe(80);
  });

  it('replays to identical tables (the same hash) when rebuilt from position zero', async () => {
    const { events } = await ledgerWithWorkload(2_000);
    const a = new SqliteProjectionStore(':memory:');
    const b = new SqliteProjectionStore(':memory:');
    await new ProjectionRunner(events, a, balancesProjection, { batchSize: 333 }).catchUp();
    await new ProjectionRunner(events, b, balancesProjection, { batchSize: 1000 }).catchUp();
    const first = await stateHash(a, 'balances_v2');
    expect(await stateHash(b, 'balances_v2')).toBe(first);
    await a.drop('balances_v2');
    expect(await a.checkpoint('balances_v2')).toBe(0n);
    await new ProjectionRunner(events, a, balancesProjection, { batchSize: 777 }).catchUp();
    expect(await stateHash(a, 'balances_v2')).toBe(first);
  });

  it('gives identical tables on SQLite and on PostgreSQL', async () => {
    const { events } = await ledgerWithWorkload(2_000);
    const sqlite = new SqliteProjectionStore(':memory:');
    const postgres = new PostgresProjectionStore(process.env.LOYALTY_TEST_POSTGRES_URL ?? '', `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    try {
      for (const projection of [balancesProjection, customerProfileProjection] as const) {
        await new ProjectionRunner(events, sqlite, projection as never, { batchSize: 500 }).catchUp();
        await new ProjectionRunner(events, postgres, projection as never, { batchSize: 700 }).catchUp();
        const key = `${projection.name}_v${projection.version}`;
        expect(await stateHash(postgres, key)).toBe(await stateHash(sqlite, key));
        expect(await postgres.checkpoint(key)).toBe(await events.headPosition());
      }
    } finally {
      await postgres.close();
    }
  });

  it.each(['position', 'stream'] as const)(
    'applies each event exactly once when a commit fails mid-run and the runner starts again (rebuild in %s order)',
    async (rebuildOrder) => {
      const { events } = await ledgerWithWorkload(2_000);
      const reference = new SqliteProjectionStore(':memory:');
      await new ProjectionRunner(events, reference, balancesProjection, { batchSize: 400, rebuildOrder: 'position' }).catchUp();

      const store = new SqliteProjectionStore(':memory:');
      let commits = 0;
      const failing = withCommit(store, async (p, s, c, w, r) => {
        if (++commits === 3) throw new Error('disk full');
        return store.commit(p, s, c, w, r);
      });
      // The same runner instance tries again: its in-memory states, ahead of the store after the failure, must not leak in.
      const runner = new ProjectionRunner(events, failing, balancesProjection, { batchSize: 400, commitEveryEvents: 400, rebuildOrder, streamsPerPage: 10 });
      await expect(runner.catchUp()).rejects.toThrow('disk full');
      if (rebuildOrder === 'position') {
        expect(await store.checkpoint('balances_v2')).toBeGreaterThan(0n);
      } else {
        // Two commits of whole customers went in; the checkpoint waits for the last one.
        expect(await store.checkpoint('balances_v2')).toBe(0n);
        expect((await store.rebuildCursor('balances_v2'))?.upTo).toBe(await events.headPosition());
      }
      expect(runner.checkpoint).toBe(await store.checkpoint('balances_v2'));
      await runner.catchUp();
      expect(await store.rebuildCursor('balances_v2')).toBeNull();
      expect(await store.checkpoint('balances_v2')).toBe(await events.headPosition());
      expect(await stateHash(store, 'balances_v2')).toBe(await stateHash(reference, 'balances_v2'));
    },
  );

  it('rebuilds by stream to exactly the tables of a rebuild in position order, for every projection, and then follows in position order', async () => {
    const ledger = await ledgerWithWorkload(2_000);
    for (const projection of [balancesProjection, customerProfileProjection] as CustomerProjection<unknown>[]) {
      const key = projectionKey(projection);
      const byPosition = new SqliteProjectionStore(':memory:');
      await new ProjectionRunner(ledger.events, byPosition, projection, { rebuildOrder: 'position' }).catchUp();
      const byStream = new SqliteProjectionStore(':memory:');
      const pages: bigint[] = [];
      const commits: bigint[] = [];
      const runner = new ProjectionRunner(ledger.events, byStream, projection, {
        streamsPerPage: 7,
        commitEveryEvents: 500,
        onPage: (_k, _n, p) => pages.push(p),
        onBatch: (_k, _n, p) => commits.push(p),
      });
      expect(await runner.catchUp()).toBe(await ledger.events.headPosition());
      expect(await stateHash(byStream, key)).toBe(await stateHash(byPosition, key));
      expect(pages.length).toBe(Math.ceil(80 / 7));
      expect(new Set(pages)).toEqual(new Set([0n])); // no position is reached before the end
      expect(commits.length).toBeGreaterThan(2);
      expect(commits.slice(0, -1).every((p) => p === 0n)).toBe(true);
      expect(commits[commits.length - 1]).toBe(await ledger.events.headPosition());
      // New entries after the rebuild: the next catch-up applies them in position order onto the stored states.
      await ledger.record({
        type: 'AdjustPoints',
        customerId: 'CUST-3',
        adjustmentId: 'late-1',
        points: 5,
        reasonCode: 'GOODWILL',
        actor: 't',
        occurredAt: '2026-05-01T00:00:00Z',
      });
      await ledger.record({
        type: 'AdjustPoints',
        customerId: 'LATE-1',
        adjustmentId: 'late-2',
        points: 9,
        reasonCode: 'GOODWILL',
        actor: 't',
        occurredAt: '2026-05-01T00:00:00Z',
      });
      await runner.catchUp();
      await new ProjectionRunner(ledger.events, byPosition, projection, { rebuildOrder: 'position' }).catchUp();
      expect(await stateHash(byStream, key)).toBe(await stateHash(byPosition, key));
    }
  });

  it('reads and folds on while a stream-ordered commit is being written, with one commit under way at a time', async () => {
    const ledger = await ledgerWithWorkload(1_000);
    const reference = new SqliteProjectionStore(':memory:');
    await new ProjectionRunner(ledger.events, reference, balancesProjection, { rebuildOrder: 'position' }).catchUp();
    const store = new SqliteProjectionStore(':memory:');
    let underWay = 0;
    let mostUnderWay = 0;
    let pagesReadMeanwhile = 0;
    const slowStore = withCommit(store, async (p, s, c, w, r) => {
      mostUnderWay = Math.max(mostUnderWay, ++underWay);
      await new Promise((resolve) => setTimeout(resolve, 5)); // a disk busy elsewhere
      await store.commit(p, s, c, w, r);
      underWay--;
    });
    const read = ledger.events.readByStream.bind(ledger.events);
    ledger.events.readByStream = async (after, options) => {
      if (underWay > 0) pagesReadMeanwhile++;
      return read(after, options);
    };
    await new ProjectionRunner(ledger.events, slowStore, balancesProjection, { streamsPerPage: 4, commitEveryEvents: 200 }).catchUp();
    expect(pagesReadMeanwhile).toBeGreaterThan(3);
    expect(mostUnderWay).toBe(1);
    expect(underWay).toBe(0); // the last commit was waited for
    expect(await stateHash(store, 'balances_v2')).toBe(await stateHash(reference, 'balances_v2'));
  });

  it('rebuilds by stream to the end the ledger had when it started, then a stopped rebuild resumes after its last committed stream', async () => {
    const ledger = await ledgerWithWorkload(1_000);
    const startHead = await ledger.events.headPosition();
    let appended = 0;
    // Every page read, entries arrive for old and new customers: the rebuild must leave them out (they are after its cut).
    const busy = Object.create(ledger.events) as typeof ledger.events;
    busy.readByStream = async (after, options) => {
      for (let i = 0; i < 3; i++)
        await ledger.record({
          type: 'AdjustPoints',
          customerId: i === 0 ? `BUSY-${appended}` : 'CUST-1',
          adjustmentId: `B-${appended++}`,
          points: 1,
          reasonCode: 'TEST',
          actor: 't',
          occurredAt: '2026-05-01T00:00:00Z',
        });
      return ledger.events.readByStream(after, options);
    };
    const store = new SqliteProjectionStore(':memory:');
    let pages = 0;
    const runner: ProjectionRunner<unknown> = new ProjectionRunner(busy, store, balancesProjection as CustomerProjection<unknown>, {
      streamsPerPage: 9,
      commitEveryEvents: 1,
      onPage: () => {
        if (++pages === 4) void runner.stop();
      },
    });
    expect(await runner.catchUp()).toBe(0n); // stopped after 4 pages, each committed
    const cursor = await store.rebuildCursor('balances_v2');
    expect(cursor?.upTo).toBe(startHead);
    let resumedPages = 0;
    const resumed = new ProjectionRunner(busy, store, balancesProjection, { streamsPerPage: 9, onPage: () => resumedPages++ });
    // It finishes the rebuild to the first run's cut, then applies what came after it in position order, to its own start's end.
    const headAtResume = await ledger.events.headPosition();
    expect(headAtResume).toBeGreaterThan(startHead);
    expect(await resumed.catchUp()).toBeGreaterThanOrEqual(headAtResume);
    expect(resumedPages).toBeLessThan(pages + Math.ceil(80 / 9)); // resumed: the first pages were not read again
    const reference = new SqliteProjectionStore(':memory:');
    await new ProjectionRunner(ledger.events, reference, balancesProjection, { rebuildOrder: 'position' }).catchUp();
    await resumed.catchUp();
    expect(await stateHash(store, 'balances_v2')).toBe(await stateHash(reference, 'balances_v2'));
  });

  it('folds a stream longer than a page over several pages (memory bounded by the page), and a stop inside it resumes from that stream', async () => {
    const ledger = await ledgerWithWorkload(1_000);
    const head = await ledger.events.headPosition();
    const reference = new SqliteProjectionStore(':memory:');
    await new ProjectionRunner(ledger.events, reference, balancesProjection, { rebuildOrder: 'position' }).catchUp();
    const pageSizes: number[] = [];
    const endsInsideStream: boolean[] = [];
    const counting = Object.create(ledger.events) as typeof ledger.events;
    counting.readByStream = async (after, options) => {
      const page = await ledger.events.readByStream(after, options);
      pageSizes.push(page.events.length);
      endsInsideStream.push(page.next?.afterRevision !== undefined);
      return page;
    };
    const store = new SqliteProjectionStore(':memory:');
    const options = { batchSize: 5, streamsPerPage: 4, commitEveryEvents: 1 };
    let commits = 0;
    const stopped: ProjectionRunner<unknown> = new ProjectionRunner(counting, store, balancesProjection as CustomerProjection<unknown>, {
      ...options,
      onBatch: () => commits++,
      // Stops (some streams in) right after a page that ended inside a stream: that stream's part is not committed.
      onPage: () => void (commits >= 3 && endsInsideStream[endsInsideStream.length - 1] && stopped.stop()),
    });
    expect(await stopped.catchUp()).toBe(0n);
    const cursor = await store.rebuildCursor('balances_v2');
    expect(cursor).not.toBeNull();
    const afterStream = cursor?.afterStream as string;
    // The committed states are complete streams, up to and including the cursor's stream, none after it.
    for await (const [customerId, state] of store.entries('balances_v2')) {
      expect(loyaltyAccountStream(customerId) <= afterStream).toBe(true);
      expect(canonicalJson(state)).toBe(canonicalJson((await reference.load('balances_v2', [customerId])).get(customerId)));
    }
    const resumed = new ProjectionRunner(counting, store, balancesProjection, options);
    expect(await resumed.catchUp()).toBe(head);
    expect(await stateHash(store, 'balances_v2')).toBe(await stateHash(reference, 'balances_v2'));
    expect(Math.max(...pageSizes)).toBe(5);
    expect(endsInsideStream.filter(Boolean).length).toBeGreaterThan(10);
  });

  it('commits while catching up every commitEveryEvents, and gives the same tables whatever the interval and cache size', async () => {
    const { events } = await ledgerWithWorkload(2_000);
    const head = await events.headPosition();
    const reference = new SqliteProjectionStore(':memory:');
    await new ProjectionRunner(events, reference, customerProfileProjection, { batchSize: 5_000 }).catchUp();
    const store = new SqliteProjectionStore(':memory:');
    const commits: bigint[] = [];
    await new ProjectionRunner(events, store, customerProfileProjection, {
      batchSize: 300,
      commitEveryEvents: 1_000,
      rebuildOrder: 'position',
      onBatch: (_k, _n, p) => commits.push(p),
    }).catchUp();
    expect(commits.length).toBe(Math.ceil(Number(head) / 1_200)); // every 4 pages of 300
    expect(commits[commits.length - 1]).toBe(head);
    expect(await stateHash(store, 'customer_profiles_v1')).toBe(await stateHash(reference, 'customer_profiles_v1'));

    // A cache of 5 states out of 80 customers: more than 5 changed states force a commit (memory stays bounded),
    // and states are evicted and loaded back from the store many times.
    const small = new SqliteProjectionStore(':memory:');
    const smallCommits: bigint[] = [];
    await new ProjectionRunner(events, small, customerProfileProjection, {
      batchSize: 300,
      commitEveryEvents: 1_000,
      cachedStates: 5,
      rebuildOrder: 'position',
      onBatch: (_k, _n, p) => smallCommits.push(p),
    }).catchUp();
    expect(smallCommits.length).toBe(Math.ceil(Number(head) / 300)); // every page
    expect(await stateHash(small, 'customer_profiles_v1')).toBe(await stateHash(reference, 'customer_profiles_v1'));
  });

  it('stores exactly the states the pure projections fold to, however often it commits and reloads (apply tells every item it changes)', async () => {
    const ledger = await ledgerWithWorkload(1_500);
    const customers = new Set<string>();
    for (const stored of await ledger.events.readAll(0n, 1_000_000)) customers.add(customerIdOfStream(stored.stream) as string);
    // Movements the generated workload lacks. Each customer ends with a different one, so that no later
    // movement of the same lot stores it anyway: an item apply changes without telling shows.
    let i = 0;
    for (const customerId of customers) {
      const commands: LedgerCommand[] = [
        { type: 'ExpirePoints', customerId, expiryRunId: 'X-2029', asOf: '2029-12-31T00:00:00.000Z' },
        {
          type: 'AdjustPoints',
          customerId,
          adjustmentId: `A+${customerId}`,
          points: 50,
          reasonCode: 'GOODWILL',
          actor: 't',
          occurredAt: '2030-01-01T00:00:00.000Z',
        },
        { type: 'RedeemPoints', customerId, redemptionId: `R1-${customerId}`, points: 30, reward: 'mug', occurredAt: '2030-01-02T00:00:00.000Z' },
      ];
      const last: LedgerCommand[] = [
        { type: 'CancelRedemption', customerId, redemptionId: `R1-${customerId}`, occurredAt: '2030-01-05T00:00:00.000Z' },
        {
          type: 'AdjustPoints',
          customerId,
          adjustmentId: `A-${customerId}`,
          points: -10,
          reasonCode: 'CORRECTION',
          actor: 't',
          occurredAt: '2030-01-05T00:00:00.000Z',
        },
        { type: 'RedeemPoints', customerId, redemptionId: `R2-${customerId}`, points: 5, reward: 'pen', occurredAt: '2030-01-05T00:00:00.000Z' },
        { type: 'ExpirePoints', customerId, expiryRunId: 'X-2032', asOf: '2032-01-01T00:00:00.000Z' },
        {
          type: 'AdjustPoints',
          customerId,
          adjustmentId: `A++${customerId}`,
          points: 7,
          reasonCode: 'GOODWILL',
          actor: 't',
          occurredAt: '2030-01-05T00:00:00.000Z',
        },
      ];
      for (const command of [...commands, last[i++ % last.length]]) await ledger.record(command);
    }
    const all = await ledger.events.readAll(0n, 1_000_000);
    const kinds = new Set(all.map((e) => ledgerEventRegistry.decode(e.type, e.schemaVersion, e.data).type));
    for (const kind of [
      'PointsExpired',
      'PointsAdjusted',
      'PointsRedeemed',
      'RedemptionCancelled',
      'PointsReversed',
      'SurveyAnswered',
      'SupportContactRecorded',
    ])
      expect(kinds).toContain(kind);

    for (const projection of [balancesProjection, customerProfileProjection] as CustomerProjection<unknown>[]) {
      const folded = new Map<string, unknown>();
      for (const stored of all) {
        const customerId = customerIdOfStream(stored.stream) as string;
        folded.set(
          customerId,
          projection.apply(
            folded.get(customerId) ?? projection.initial(customerId),
            ledgerEventRegistry.decode(stored.type, stored.schemaVersion, stored.data),
          ),
        );
      }
      const expected = [...folded].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, state]) => [k, canonicalJson(state)]);
      // Committing every page of 7 events with one cached state: nearly every page reloads its customers from the store.
      const orders = [
        { batchSize: 7, commitEveryEvents: 1, cachedStates: 1, rebuildOrder: 'position' as const },
        { batchSize: 5_000, rebuildOrder: 'position' as const },
        { streamsPerPage: 3, commitEveryEvents: 1 },
        { streamsPerPage: 3, batchSize: 5, commitEveryEvents: 1 }, // pages end inside streams
      ];
      for (const options of orders) {
        const store = new SqliteProjectionStore(':memory:');
        await new ProjectionRunner(ledger.events, store, projection, options).catchUp();
        const stored: [string, string][] = [];
        for await (const [k, state] of store.entries(projectionKey(projection))) stored.push([k, canonicalJson(state)]);
        expect(stored).toEqual(expected);
      }
    }
  });

  it('finishes catching up at the end the ledger had when it started, even while appends outpace it', async () => {
    const ledger = await ledgerWithWorkload(200);
    const startHead = await ledger.events.headPosition();
    let appended = 0;
    // Every page read, 15 new entries arrive: more than the page of 10 the runner takes.
    const busy = Object.create(ledger.events) as typeof ledger.events;
    busy.readAll = async (after, limit) => {
      for (let i = 0; i < 15; i++)
        await ledger.record({
          type: 'AdjustPoints',
          customerId: `BUSY-${appended % 7}`,
          adjustmentId: `B-${appended++}`,
          points: 1,
          reasonCode: 'TEST',
          actor: 't',
          occurredAt: '2026-05-01T00:00:00Z',
        });
      return ledger.events.readAll(after, limit);
    };
    const reached = await new ProjectionRunner(busy, new SqliteProjectionStore(':memory:'), balancesProjection, {
      batchSize: 10,
      rebuildOrder: 'position',
    }).catchUp();
    expect(reached).toBeGreaterThanOrEqual(startHead);
    expect(reached).toBeLessThan(await ledger.events.headPosition());
  });

  it.each(['position', 'stream'] as const)(
    'lets timers and sockets of the process run while it catches up in %s order (a rebuild must not freeze the API beside it)',
    async (rebuildOrder) => {
      const { events } = await ledgerWithWorkload(2_000);
      let ticks = 0;
      const timer = setInterval(() => ticks++, 0);
      let ticksWhenDone = -1;
      await new ProjectionRunner(events, new SqliteProjectionStore(':memory:'), balancesProjection, { batchSize: 50, streamsPerPage: 5, rebuildOrder })
        .catchUp()
        .then(() => (ticksWhenDone = ticks));
      clearInterval(timer);
      expect(ticksWhenDone).toBeGreaterThan(3);
    },
  );

  it('follows new ledger entries live after catching up, and waits for a written position', async () => {
    const ledger = await ledgerWithWorkload(500);
    const store = new SqliteProjectionStore(':memory:');
    const runner = new ProjectionRunner(ledger.events, store, balancesProjection);
    await runner.start();
    const position = await ledger.record({
      type: 'AdjustPoints',
      customerId: 'NEW-1',
      adjustmentId: 'A-1',
      points: 70,
      reasonCode: 'GOODWILL',
      actor: 't',
      occurredAt: '2026-05-01T00:00:00Z',
    });
    expect(await runner.waitFor(position, 5_000)).toBe(true);
    const [state] = (await store.load('balances_v2', ['NEW-1'])).values();
    expect(balanceHoldingsAt(state as CustomerBalance, Date.parse('2026-05-02T00:00:00.000Z')).available).toBe(70);
    await runner.stop();
  });
});
