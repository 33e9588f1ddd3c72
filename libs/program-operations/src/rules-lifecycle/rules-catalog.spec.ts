import { InMemoryEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { defaultProgramRules } from '@loyalty/program-rules';
import { InMemoryOperationsStore } from '../operations-store/in-memory-operations-store';
import { RulesCatalog } from './rules-catalog';

describe('a rules version’s identity', () => {
  it('given a version submitted, when it is scheduled and computes entries, then its hash is the same at submission, after scheduling, in the catalog and on the entries', async () => {
    let now = new Date('2026-06-01T00:00:00.000Z');
    const catalog = new RulesCatalog(new InMemoryOperationsStore(), [defaultProgramRules()], () => now);
    const candidate = {
      ...defaultProgramRules(),
      version: 2,
      effectiveFrom: '2030-01-01T00:00:00.000Z',
      earning: { ...defaultProgramRules().earning, surveyAnswerBonusPoints: 77 },
    };

    const submitted = await catalog.submit(candidate, 'ops-1');
    const scheduled = await catalog.schedule(2, '2026-06-01T00:10:00.000Z', 'ops-1');
    const listed = (await catalog.list()).find((v) => v.version === 2);
    const inTheRuleBook = catalog
      .ruleBook()
      .all()
      .find((v) => v.rules.version === 2)?.reference.hash;

    now = new Date('2026-06-01T00:20:00.000Z');
    const ledger = new InMemoryEventStore();
    const writer = new LedgerWriter(ledger, { current: () => catalog.ruleBook() }, { now: () => now });
    await writer.execute({
      command: { type: 'RecordPurchase', customerId: 'C-1', orderId: 'O-1', occurredAt: '2026-06-01T00:15:00.000Z', currency: 'JPY', amount: 10_000 },
      provenance: { channel: 'system', job: 'test' },
    });
    const onTheEntries = (await ledger.readStream('loyaltyAccount-C-1')).map((e) => e.metadata.rules as { version: number; hash: string });

    expect(submitted.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(scheduled).toMatchObject({ status: 'scheduled', effectiveFrom: '2026-06-01T00:10:00.000Z', hash: submitted.hash });
    expect(listed?.hash).toBe(submitted.hash);
    expect(inTheRuleBook).toBe(submitted.hash);
    expect(onTheEntries).toEqual(onTheEntries.map(() => expect.objectContaining({ version: 2, hash: submitted.hash })));
    expect(onTheEntries.length).toBeGreaterThan(0);
  });

  it('changes with the content: a version that says something else has another hash', async () => {
    const catalog = new RulesCatalog(new InMemoryOperationsStore(), [defaultProgramRules()], () => new Date('2026-06-01T00:00:00.000Z'));
    const a = await catalog.submit({ ...defaultProgramRules(), version: 2 }, 'ops-1');
    const b = await catalog.submit({ ...defaultProgramRules(), version: 3 }, 'ops-1');
    const c = await catalog.submit({ ...defaultProgramRules(), version: 4, pending: { days: 7 } }, 'ops-1');
    expect(new Set([a.hash, b.hash, c.hash]).size).toBe(3);
  });
});
