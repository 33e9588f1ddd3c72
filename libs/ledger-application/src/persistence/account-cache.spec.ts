import { initialLoyaltyAccountState } from '@loyalty/ledger-domain';
import { AccountCache, type CachedAccount } from './account-cache';

const account = (entries: number): CachedAccount => ({
  state: initialLoyaltyAccountState(),
  revision: entries === 0 ? 'no-stream' : BigInt(entries - 1),
  lastHash: null,
});
const keys = (cache: AccountCache, ids: string[]) => ids.filter((id) => cache.peek(id) !== undefined);

describe('AccountCache eviction', () => {
  it('evicts the least recently used when the accounts weigh the same', () => {
    // Given a full cache of three accounts of one entry each, A used least recently
    const cache = new AccountCache(3);
    for (const id of ['A', 'B', 'C']) cache.set(id, account(1));
    cache.get('A');
    // When a fourth comes in
    cache.set('D', account(1));
    // Then B, now the least recently used, is the one gone
    expect(keys(cache, ['A', 'B', 'C', 'D'])).toEqual(['A', 'C', 'D']);
    expect(cache.size).toBe(3);
  });

  it('keeps a long history among the least recently used and evicts a short one instead', () => {
    // Given the least recently used account is a frequent buyer's 40,000 entries
    const cache = new AccountCache(3);
    cache.set('HEAVY', account(40_000));
    cache.set('LIGHT', account(6));
    cache.set('NEW', account(0));
    // When more accounts come in than the cache holds
    cache.set('D', account(30));
    cache.set('E', account(30));
    // Then the cheap ones went first: the long history stays, and so does the last account set
    expect(keys(cache, ['HEAVY', 'LIGHT', 'NEW', 'D', 'E'])).toEqual(['HEAVY', 'D', 'E']);
  });

  it('never evicts the account it was just given, however short', () => {
    // Given a cache of one holding a long history
    const cache = new AccountCache(1);
    cache.set('HEAVY', account(40_000));
    // When a new, empty account is set
    cache.set('NEW', account(0));
    // Then the new one is kept (it is what the caller uses next)
    expect(keys(cache, ['HEAVY', 'NEW'])).toEqual(['NEW']);
  });
});
