import { InMemoryEventStore, type EventStore } from '@loyalty/event-store';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { AccountStates } from './account-states';
import { fixedClock } from './clock';
import { LedgerWriter } from './ledger-writer';

const ruleBook = new RuleBook([defaultProgramRules()]);
const purchase = (customerId: string, orderId: string) => ({
  command: { type: 'RecordPurchase' as const, customerId, orderId, amount: 10_000, currency: 'JPY', occurredAt: '2026-04-01T00:00:00Z' },
  provenance: { channel: 'batch' as const, batchId: 'b', index: 0 },
});

/** Accounts C-0 .. C-9 written in that order, then C-7 and C-2 again (C-2 last). */
async function ledgerOfTenAccounts(): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  const writer = new LedgerWriter(store, { current: () => ruleBook }, fixedClock('2026-05-01T00:00:00Z'), { cacheCapacity: 0 });
  for (let n = 0; n < 10; n++) await writer.execute(purchase(`C-${n}`, `O-${n}`));
  await writer.execute(purchase('C-7', 'O-7b'));
  await writer.execute(purchase('C-2', 'O-2b'));
  return store;
}

const cachedOf = (states: AccountStates) => Array.from({ length: 10 }, (_, n) => `C-${n}`).filter((id) => states.cache.peek(id) !== undefined);

describe('AccountStates warm-up', () => {
  it('keeps the accounts written last first, then fills the cache in stream order', async () => {
    // Given a ledger of ten accounts, more than a cache of four holds, whose newest entries are C-2's and C-7's
    const store = await ledgerOfTenAccounts();
    const states = new AccountStates(store, 4);

    // When the cache is warmed
    const progress = await states.warmUp();

    // Then C-2 and C-7 (the newest entries, however late in stream order) are kept, the rest of the room goes in stream order
    expect(cachedOf(states)).toEqual(['C-0', 'C-1', 'C-2', 'C-7']);
    expect(progress).toMatchObject({ accounts: 4, complete: false });
    // and a warmed account is the account its stream folds to
    expect(await states.read('C-2', (a) => a.state.purchases.size)).toBe(2);
  });

  it('goes by stream order alone on a store that cannot tell its recent streams', async () => {
    // Given the same ledger behind a store without recentStreams
    const store = await ledgerOfTenAccounts();
    const withoutRecent: EventStore = Object.assign(Object.create(store) as EventStore, { recentStreams: undefined });
    const states = new AccountStates(withoutRecent, 4);

    // When the cache is warmed
    await states.warmUp();

    // Then the first four streams by name are kept
    expect(cachedOf(states)).toEqual(['C-0', 'C-1', 'C-2', 'C-3']);
  });
});
