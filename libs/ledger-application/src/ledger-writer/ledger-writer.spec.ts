import { InMemoryEventStore, SqliteEventStore, type EventStore, type StreamAppend } from '@loyalty/event-store';
import { defaultProgramRules, RuleBook, type ProgramRules } from '@loyalty/program-rules';
import { loyaltyAccountStream, accountHoldingsAt, type LedgerCommand } from '@loyalty/ledger-domain';
import { fixedClock } from './clock';
import { LedgerWriter, type CommandEnvelope } from './ledger-writer';

const rules: ProgramRules = { ...defaultProgramRules(), pending: { days: 0 }, earning: { ...defaultProgramRules().earning, firstPurchaseBonusPoints: 0 } };
const ruleBook = new RuleBook([rules]);
const clock = fixedClock('2026-05-01T00:00:00Z');
const http = (requestId: string) => ({ channel: 'http' as const, requestId });

function writer(store: EventStore, cacheCapacity = 1000, appendChunkEvents?: number): LedgerWriter {
  return new LedgerWriter(store, { current: () => ruleBook }, clock, { cacheCapacity, appendChunkEvents });
}

/** An in-memory store whose appends finish only when the test says so (a store writing in another thread). */
class HeldAppendsStore extends InMemoryEventStore {
  readonly given: { appends: StreamAppend[]; release: (fail?: Error) => void; settled: boolean }[] = [];
  override appendMany(appends: StreamAppend[]): ReturnType<InMemoryEventStore['appendMany']> {
    return new Promise((resolve, reject) => {
      const entry = {
        appends,
        settled: false,
        release: (fail?: Error) => {
          entry.settled = true;
          if (fail) reject(fail);
          else super.appendMany(appends).then(resolve, reject);
        },
      };
      this.given.push(entry);
    });
  }
}

/** Releases each append given, in order, once the writer has given `count` of them (or stopped giving). */
async function releaseWhenGiven(store: HeldAppendsStore, count: number, fail?: (index: number) => Error | undefined): Promise<number> {
  let waited = 0;
  while (store.given.length < count && waited++ < 1000) await new Promise<void>((resolve) => setImmediate(resolve));
  const seen = store.given.length;
  store.given.forEach((entry, i) => entry.release(fail?.(i)));
  return seen;
}

const purchaseBatch = (customers: number, batchId: string): CommandEnvelope[] =>
  Array.from({ length: customers }, (_, c) => ({
    command: purchase(`C-${c}`, `O-${c}`, 10_000),
    provenance: { channel: 'batch' as const, batchId, index: c },
  }));

const purchase = (customerId: string, orderId: string, amount: number): LedgerCommand => ({
  type: 'RecordPurchase',
  customerId,
  orderId,
  amount,
  currency: 'JPY',
  occurredAt: '2026-04-01T00:00:00Z',
});
const redeem = (customerId: string, redemptionId: string, points: number): LedgerCommand => ({
  type: 'RedeemPoints',
  customerId,
  redemptionId,
  points,
  reward: 'coupon',
  occurredAt: '2026-05-01T00:00:00Z',
});

describe('LedgerWriter', () => {
  it('records provenance, rules and a deterministic event id on every entry', async () => {
    const store = new InMemoryEventStore();
    const result = await writer(store).execute({ command: purchase('C-1', 'O-1', 10_000), provenance: http('req-1') });
    expect(result).toMatchObject({ status: 'accepted', sourceKey: 'purchase:O-1', position: 3n });
    const stored = await store.readStream(loyaltyAccountStream('C-1'));
    expect(stored.map((e) => e.type)).toEqual(['loyalty.account-opened', 'loyalty.purchase-recorded', 'loyalty.points-earned']);
    expect(stored[2].metadata).toMatchObject({
      correlationId: 'req-1',
      sourceKey: 'purchase:O-1',
      commandType: 'RecordPurchase',
      provenance: { channel: 'http', requestId: 'req-1' },
      rules: { id: 'default-program', version: 1, hash: expect.stringMatching(/^sha256:/) },
      decidedAt: '2026-05-01T00:00:00.000Z',
    });
    const again = new InMemoryEventStore();
    await writer(again).execute({ command: purchase('C-1', 'O-1', 10_000), provenance: http('other') });
    expect((await again.readStream(loyaltyAccountStream('C-1'))).map((e) => e.eventId)).toEqual(stored.map((e) => e.eventId));
  });

  it('reports a repeated source as a duplicate, within one batch and across batches', async () => {
    const store = new InMemoryEventStore();
    const w = writer(store);
    const results = await w.executeBatch([
      { command: purchase('C-1', 'O-1', 10_000), provenance: http('a') },
      { command: purchase('C-1', 'O-1', 10_000), provenance: http('b') },
    ]);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'duplicate']);
    expect((await w.execute({ command: purchase('C-1', 'O-1', 10_000), provenance: http('c') })).status).toBe('duplicate');
    expect(await store.readStream(loyaltyAccountStream('C-1'))).toHaveLength(3);
  });

  it('serialises racing redemptions on one account: exactly the affordable ones succeed', async () => {
    const store = new InMemoryEventStore();
    const w = writer(store);
    await w.execute({ command: purchase('C-1', 'O-1', 100_000), provenance: http('p') }); // 2000 points (band x2)
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => w.execute({ command: redeem('C-1', `R-${i}`, 100), provenance: http(`r${i}`) })));
    expect(results.filter((r) => r.status === 'accepted')).toHaveLength(20);
    expect(results.filter((r) => r.status === 'rejected').every((r) => r.status === 'rejected' && r.rejection.code === 'LEDGER.INSUFFICIENT_POINTS')).toBe(
      true,
    );
    const available = await w.accounts.read('C-1', (a) => accountHoldingsAt(a.state, clock.now().getTime()).available);
    expect(available).toBe(0);
  });

  it('retries on a conflict with a writer in another process (stale cache), deciding again on fresh state', async () => {
    const store = new InMemoryEventStore();
    const first = writer(store);
    const second = writer(store);
    await first.execute({ command: purchase('C-1', 'O-1', 10_000), provenance: http('p1') }); // 100 points
    await second.execute({ command: redeem('C-1', 'R-1', 60), provenance: http('r1') }); // second caches C-1
    await first.execute({ command: redeem('C-1', 'R-2', 30), provenance: http('r2') }); // first's cache is stale: conflict, reload
    const outcome = await second.execute({ command: redeem('C-1', 'R-3', 20), provenance: http('r3') }); // stale too: only 10 left
    expect(outcome).toMatchObject({ status: 'rejected', rejection: { code: 'LEDGER.INSUFFICIENT_POINTS', details: { available: 10 } } });
    const stored = await store.readStream(loyaltyAccountStream('C-1'));
    expect(stored.map((e) => e.type).filter((t) => t === 'loyalty.points-redeemed')).toHaveLength(2);
  });

  it("appends a batch of many customers in one appendMany, keeping each customer's order", async () => {
    const store = new InMemoryEventStore();
    const appendMany = jest.spyOn(store, 'appendMany');
    const batch: CommandEnvelope[] = [];
    for (let c = 0; c < 50; c++) {
      batch.push({ command: purchase(`C-${c}`, `O-${c}-1`, 10_000), provenance: { channel: 'batch', batchId: 'b1', index: batch.length } });
      batch.push({ command: redeem(`C-${c}`, `R-${c}`, 100), provenance: { channel: 'batch', batchId: 'b1', index: batch.length } });
    }
    const results = await writer(store).executeBatch(batch);
    expect(appendMany).toHaveBeenCalledTimes(1);
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    expect(await store.headPosition()).toBe(50n * 4n);
  });

  it('gives a large batch to the store in chunks of whole accounts, all under way before the first is written', async () => {
    const store = new HeldAppendsStore();
    const w = writer(store, 1000, 10);
    const batch = purchaseBatch(20, 'b1').flatMap((e, c) => [
      e,
      { command: redeem(`C-${c}`, `R-${c}`, 10), provenance: { channel: 'batch' as const, batchId: 'b1', index: 100 + c } },
    ]);
    const running = w.executeBatch(batch);
    // Each account writes 4 events (opened, purchase, earned, redeemed): chunks of 3 accounts (12 >= 10) and a last of 2.
    expect(await releaseWhenGiven(store, 7)).toBe(7);
    const results = await running;
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    const streamsPerChunk = store.given.map((g) => g.appends.map((a) => a.stream));
    expect(streamsPerChunk.map((s) => s.length)).toEqual([3, 3, 3, 3, 3, 3, 2]);
    expect(new Set(streamsPerChunk.flat()).size).toBe(20);
    for (let c = 0; c < 20; c++)
      expect((await store.readStream(loyaltyAccountStream(`C-${c}`))).map((e) => e.type)).toEqual([
        'loyalty.account-opened',
        'loyalty.purchase-recorded',
        'loyalty.points-earned',
        'loyalty.points-redeemed',
      ]);
  });

  it('fails a batch with a failed chunk only once every chunk under way is done, and keeps none of its decided states', async () => {
    const store = new HeldAppendsStore();
    const w = writer(store, 1000, 6); // 3 accounts (2 events each) per chunk
    // The accounts are opened and cached first: their states are then evolved in place.
    const opening = w.executeBatch(purchaseBatch(9, 'b0').map((e, c) => ({ ...e, command: purchase(`C-${c}`, `O-first-${c}`, 10_000) })));
    await releaseWhenGiven(store, 1);
    expect((await opening).every((r) => r.status === 'accepted')).toBe(true);
    store.given.length = 0;
    const failing = w.executeBatch(purchaseBatch(9, 'b1'));
    let rejected = false;
    failing.catch(() => (rejected = true));
    while (store.given.length < 3) await new Promise<void>((resolve) => setImmediate(resolve));
    store.given[1].release(new Error('disk full'));
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(rejected).toBe(false); // chunks 1 and 3 are still being written
    store.given[0].release();
    store.given[2].release();
    await expect(failing).rejects.toThrow('disk full');
    // Chunks 1 and 3 were written, chunk 2 was not: sent again, its purchases are new, the rest duplicates.
    const again = w.executeBatch(purchaseBatch(9, 'b2'));
    await releaseWhenGiven(store, 4);
    expect((await again).map((r) => r.status)).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
      'accepted',
      'accepted',
      'accepted',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
  });

  it('stores on SQLite the very entries it stores in memory (the JSON text hashed for the chain is the text stored)', async () => {
    const memory = new InMemoryEventStore();
    const sqlite = new SqliteEventStore({ file: ':memory:' });
    const batch = purchaseBatch(5, 'b1').concat({ command: redeem('C-1', 'R-1', 50), provenance: http('r') });
    await writer(memory).executeBatch(batch);
    await writer(sqlite).executeBatch(batch);
    const strip = ({ recordedAt: _r, ...rest }: { recordedAt: string }) => rest;
    expect((await sqlite.readAll(0n, 100)).map(strip)).toEqual((await memory.readAll(0n, 100)).map(strip));
    await sqlite.close();
  });

  it('works without a cache (every command reloads the account)', async () => {
    const store = new InMemoryEventStore();
    const w = writer(store, 0);
    await w.execute({ command: purchase('C-1', 'O-1', 10_000), provenance: http('p') });
    expect((await w.execute({ command: purchase('C-1', 'O-1', 10_000), provenance: http('p') })).status).toBe('duplicate');
    expect(w.accounts.cached).toBe(0);
  });

  it('refuses alone a command it fails on unexpectedly (LEDGER.UNPROCESSABLE, reported), and writes the rest of the batch', async () => {
    // A rule book that breaks on one instant: a defect the writer did not foresee.
    const poison = Date.parse('2026-04-01T00:00:00.000Z');
    const breaking = Object.create(ruleBook) as RuleBook;
    breaking.inForceAt = (atMs: number) => {
      if (atMs === poison) throw new RangeError('Invalid time value');
      return ruleBook.inForceAt(atMs);
    };
    const failures: string[] = [];
    const w = new LedgerWriter(new InMemoryEventStore(), { current: () => breaking }, clock, { observer: { commandFailed: (type) => failures.push(type) } });
    const buy = (customerId: string, orderId: string, occurredAt: string): CommandEnvelope => ({
      command: { type: 'RecordPurchase', customerId, orderId, occurredAt, currency: 'JPY', amount: 1_000 },
      provenance: http(orderId),
    });
    const results = await w.executeBatch([
      buy('C-1', 'O-1', '2026-03-01T00:00:00Z'),
      buy('C-1', 'O-2', '2026-04-01T00:00:00.000Z'),
      buy('C-1', 'O-3', '2026-03-02T00:00:00Z'),
      buy('C-2', 'O-4', '2026-03-03T00:00:00Z'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'accepted', 'accepted']);
    expect(results[1]).toMatchObject({ rejection: { code: 'LEDGER.UNPROCESSABLE', message: 'the ledger could not process this command: Invalid time value' } });
    expect(failures).toEqual(['RecordPurchase']);
    const c1 = await w.accounts.read('C-1', (a) => [...a.state.purchases.keys()]);
    expect(c1).toEqual(['O-1', 'O-3']);
  });
});
