import { deterministicEventId } from './deterministic-event-id';

describe('deterministicEventId', () => {
  it('is a stable RFC 4122 v5 UUID of (customer, source, index)', () => {
    const id = deterministicEventId('C-1', 'purchase:O-1', 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    deterministicEventId('C-2', 'purchase:O-9', 0);
    expect(deterministicEventId('C-1', 'purchase:O-1', 0)).toBe(id);
  });

  it('differs by customer, by source and by index', () => {
    const ids = new Set([
      deterministicEventId('C-1', 'purchase:O-1', 0),
      deterministicEventId('C-1', 'purchase:O-1', 1),
      deterministicEventId('C-1', 'purchase:O-1', 256),
      deterministicEventId('C-2', 'purchase:O-1', 0),
      deterministicEventId('C-1', 'purchase:O-2', 0),
      deterministicEventId('C-1purchase:O-1', '', 0),
    ]);
    expect(ids.size).toBe(6);
    expect(() => deterministicEventId('C-1', 'x', 70_000)).toThrow('event index 70000 out of range');
  });
});
