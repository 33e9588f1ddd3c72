import { CHAIN_GENESIS, entryHash, entryHashOfCanonical, metadataWithoutChain, withChainField } from './entry-chain';

const entry = {
  stream: 'loyalty-account-CUST-1',
  revision: 3n,
  eventId: '0f1c2a4e-9b7d-5c3a-8e5f-0a1b2c3d4e5f',
  type: 'loyalty.points-earned',
  schemaVersion: 1,
  data: { points: 215, customerId: 'CUST-1', breakdown: { steps: [{ kind: 'first-purchase', points: 100 }], basePoints: 115 }, note: 'é ✓' },
  metadata: { sourceKey: 'purchase:ORD-1', provenance: { channel: 'kafka', topic: 'loyalty.purchases.v1', partition: 2, offset: '41' } },
};

describe('entry chain hash', () => {
  it('is the hash every stored chain was written with (pinned: a change here breaks the verification of existing ledgers)', () => {
    // Computed by the first implementation (one sha256 update per field).
    expect(entryHash(CHAIN_GENESIS, entry)).toBe('sha256:34b755a7fa98cd2f6ead41ee343bf155fdee009048ac5bb143a6e351796118fe');
  });

  it('does not depend on key order, and changes with any field', () => {
    const reordered = {
      ...entry,
      data: { note: entry.data.note, breakdown: { basePoints: 115, steps: entry.data.breakdown.steps }, customerId: 'CUST-1', points: 215 },
    };
    expect(entryHash(CHAIN_GENESIS, reordered)).toBe(entryHash(CHAIN_GENESIS, entry));
    const base = entryHash(CHAIN_GENESIS, entry);
    expect(entryHash('sha256:other', entry)).not.toBe(base);
    expect(entryHash(CHAIN_GENESIS, { ...entry, revision: 4n })).not.toBe(base);
    expect(entryHash(CHAIN_GENESIS, { ...entry, data: { ...entry.data, points: 216 } })).not.toBe(base);
    expect(entryHash(CHAIN_GENESIS, { ...entry, metadata: { ...entry.metadata, sourceKey: 'purchase:ORD-2' } })).not.toBe(base);
  });

  it('gives the same hash from pre-serialised canonical JSON (the writer path)', () => {
    expect(
      entryHashOfCanonical(
        CHAIN_GENESIS,
        entry,
        JSON.stringify({ breakdown: { basePoints: 115, steps: [{ kind: 'first-purchase', points: 100 }] }, customerId: 'CUST-1', note: 'é ✓', points: 215 }),
        '{"provenance":{"channel":"kafka","offset":"41","partition":2,"topic":"loyalty.purchases.v1"},"sourceKey":"purchase:ORD-1"}',
      ),
    ).toBe(entryHash(CHAIN_GENESIS, entry));
  });

  it('adds the chain link to metadata JSON text, which parses back to the metadata the hash covers plus the link', () => {
    const link = { previous: CHAIN_GENESIS, hash: 'sha256:ab"c' };
    const withLink = JSON.parse(withChainField('{"sourceKey":"purchase:ORD-1"}', link));
    expect(withLink).toEqual({ sourceKey: 'purchase:ORD-1', chain: link });
    expect(metadataWithoutChain(withLink)).toEqual({ sourceKey: 'purchase:ORD-1' });
    expect(JSON.parse(withChainField('{}', link))).toEqual({ chain: link });
  });
});
