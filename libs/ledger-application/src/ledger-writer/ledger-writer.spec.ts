import { InMemoryEventStore, type EventStore } from '@loyalty/event-store';
import { defaultProgramRules, RuleBook, type ProgramRules } from '@loyalty/program-rules';
import { loyaltyAccountStream, pointsPosition, type LedgerCommand } from '@loyalty/ledger-domain';
import { fixedClock } from './clock';
import { LedgerWriter, type CommandEnvelope } from './ledger-writer';

const rules: ProgramRules = { ...defaultProgramRules(), pending: { days: 0 }, earning: { ...defaultProgramRules().earning, firstPurchaseBonusPoints: 0 } };
const ruleBook = new RuleBook([rules]);
const clock = fixedClock('2026-05-01T00:00:00Z');
const http = (requestId: string) => ({ channel: 'http' as const, requestId });

function writer(store: EventStore, cacheCapacity = 1000): LedgerWriter {
  return new LedgerWriter(store, { current: () => ruleBook }, clock, { cacheCapacity });
}

const purchase = (customerId: string, orderId: string, amount: number): LedgerCommand => ({
  type: 'RecordPurchase', customerId, orderId, amount, currency: 'JPY', occurredAt: '2026-04-01T00:00:00Z',
});
const redeem = (customerId: string, redemptionId: string, points: number): LedgerCommand => ({
  type: 'RedeemPoints', customerId, redemptionId, points, reward: 'coupon', occurredAt: '2026-05-01T00:00:00Z',
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
    expect(results.filter((r) => r.status === 'rejected').every((r) => r.status === 'rejected' && r.rejection.code === 'LEDGER.INSUFFICIENT_POINTS')).toBe(true);
    const available = await w.readAccount('C-1', (a) => pointsPosition(a.state, clock.now().getTime()).available);
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

  it('appends a batch of many customers in one appendMany, keeping each customer\'s order', async () => {
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

  it('works without a cache (every command reloads the account)', async () => {
    const store = new InMemoryEventStore();
    const w = writer(store, 0);
    await w.execute({ command: purchase('C-1', 'O-1', 10_000), provenance: http('p') });
    expect((await w.execute({ command: purchase('C-1', 'O-1', 10_000), provenance: http('p') })).status).toBe('duplicate');
    expect(w.cachedAccounts).toBe(0);
  });
});
