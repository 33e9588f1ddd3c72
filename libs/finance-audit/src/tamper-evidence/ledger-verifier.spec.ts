import { join } from 'node:path';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter, type CommandEnvelope } from '@loyalty/ledger-application';
import { ProjectionRunner, SqliteProjectionStore } from '@loyalty/projection-runner';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { balancesProjection, stateChange } from '@loyalty/read-models';
import { generateWorkload, SeededRandom } from '@loyalty/workload-generator';
import { auditKey, LedgerSealer, readDigests, signOff, type SignedOffDigest } from './ledger-digests';
import { LedgerVerifier } from './ledger-verifier';

const key = auditKey('test-audit-key');
const ruleBook = new RuleBook([defaultProgramRules()]);

async function sealedLedger(file: string, purchases: number): Promise<{ ledger: SqliteEventStore; anchor: SignedOffDigest }> {
  const ledger = new SqliteEventStore({ file, synchronous: 'NORMAL' });
  const writer = new LedgerWriter(ledger, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') });
  const batch: CommandEnvelope[] = [];
  let index = 0;
  for (const item of generateWorkload({ seed: 12, customers: 25, purchases, enrolCustomers: true, withLines: false }))
    batch.push({ command: item.command, provenance: { channel: 'batch', batchId: 'tamper', index: index++ } });
  // Several writes, each sealed in small digests: the digest chain has many links.
  for (let i = 0; i < batch.length; i += 40) {
    await writer.executeBatch(batch.slice(i, i + 40));
    await new LedgerSealer(ledger, key, () => new Date('2026-06-01T00:00:00Z'), 60).seal();
  }
  const digests = await readDigests(ledger);
  return { ledger, anchor: signOff(digests[digests.length - 1]) };
}

function tmpFile(name: string): string {
  return join(process.env.LOYALTY_TEST_TMP ?? '/tmp', `${name}-${process.pid}-${Date.now()}.sqlite`);
}

describe('LedgerSealer and LedgerVerifier', () => {
  it('verifies an untouched ledger: every chain link, every digest, and the balances read model against the ledger sums', async () => {
    const { ledger, anchor } = await sealedLedger(tmpFile('verify-ok'), 150);
    const projections = new SqliteProjectionStore(':memory:');
    await new ProjectionRunner(ledger, projections, balancesProjection).catchUp();
    const report = await new LedgerVerifier(ledger, key, projections).verify({ anchor });
    expect(report).toMatchObject({
      ok: true,
      chain: { brokenStreams: 0, firstBrokenLink: null },
      digests: { failed: 0, firstBrokenLink: null, unsealedEntries: 0 },
      projections: { driftCount: 0 },
    });
    expect(report.digests.checked).toBeGreaterThan(5);
    expect(report.projections.customers).toBe(report.streams);
    expect(report.streams).toBeGreaterThan(20);

    // A read model that drifted from the ledger is reported with the customer and the field.
    let first: [string, unknown] | undefined;
    for await (const entry of projections.entries('balances_v2')) {
      first = entry;
      break;
    }
    const [customerId, stored] = first!;
    const state = stored as { lifetime: { earned: number } };
    state.lifetime.earned += 7;
    await projections.commit(
      'balances_v2',
      new Map([[customerId, stateChange(balancesProjection.storage, state, [])]]),
      await projections.checkpoint('balances_v2'),
    );
    const drifted = await new LedgerVerifier(ledger, key, projections).verify({ anchor });
    expect(drifted.ok).toBe(false);
    expect(drifted.projections.drift).toEqual([{ customerId, field: 'earned', ledger: state.lifetime.earned - 7, projection: state.lifetime.earned }]);
    await ledger.close();
  });

  it('a seal ends under continuous ingestion: it seals up to the head it found, and what came meanwhile waits for the next seal', async () => {
    // Given a ledger that grows while it is sealed: every page the sealer reads, another entry is appended
    const { ledger } = await sealedLedger(tmpFile('seal-while-writing'), 60);
    const writer = new LedgerWriter(ledger, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') });
    const readAll = ledger.readAll.bind(ledger);
    let appended = 0;
    ledger.readAll = async (after, limit, options) => {
      const page = await readAll(after, limit, options);
      if (appended < 500) {
        appended++;
        await writer.execute({
          command: {
            type: 'RecordPurchase',
            orderId: `LIVE-${appended}`,
            customerId: 'C-LIVE',
            occurredAt: '2026-05-31T10:00:00Z',
            currency: 'JPY',
            amount: 1_000,
          },
          provenance: { channel: 'batch', batchId: 'live', index: appended },
        } as CommandEnvelope);
      }
      return page;
    };
    await writer.execute({
      command: { type: 'RecordPurchase', orderId: 'LIVE-0', customerId: 'C-LIVE', occurredAt: '2026-05-31T10:00:00Z', currency: 'JPY', amount: 1_000 },
      provenance: { channel: 'batch', batchId: 'live', index: 0 },
    } as CommandEnvelope);
    const headAtCall = await ledger.headPosition();

    // When it seals
    const sealed = await new LedgerSealer(ledger, key, () => new Date('2026-06-01T00:00:00Z'), 60).seal();

    // Then it ended, and its last digest stops at the head it found; the entries appended meanwhile are left to the next seal
    expect(sealed.length).toBeGreaterThan(0);
    expect(BigInt(sealed[sealed.length - 1].toPosition)).toBeLessThanOrEqual(headAtCall);
    expect(appended).toBeLessThan(500);
    ledger.readAll = readAll;
    await ledger.close();
  });

  it('a sealer finds nothing to seal when only digests were added, and a digest signed with another key is reported', async () => {
    const { ledger, anchor } = await sealedLedger(tmpFile('verify-key'), 40);
    expect(await new LedgerSealer(ledger, key).seal()).toEqual([]);
    const report = await new LedgerVerifier(ledger, auditKey('another key'), null).verify({ anchor });
    expect(report.ok).toBe(false);
    expect(report.digests.firstBrokenLink?.kind).toBe('digest-key-unknown');
    await ledger.close();
  });

  // 1,000 trials in the full run; the fast loop (npm run test:unit) takes the first 100 of the same sequence.
  const TRIALS = process.env.LOYALTY_TEST_SCOPE === 'unit' ? 100 : 1_000;

  it(`detects each of ${TRIALS.toLocaleString('en-US')} random single-entry modifications, deletions and reorderings of the stored ledger`, async () => {
    const { ledger, anchor } = await sealedLedger(tmpFile('tamper'), 150);
    const db = ledger.db;
    const positions = db.prepare('SELECT position FROM ledger_events ORDER BY position').pluck().all() as number[];
    const streamIds = db.prepare('SELECT stream_id FROM ledger_streams').pluck().all() as number[];
    const verifier = new LedgerVerifier(ledger, key, null);
    expect((await verifier.verify({ anchor })).ok).toBe(true);
    const random = new SeededRandom(2026);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random.next() * list.length)];
    const modifications: [string, string][] = [
      ['data: a number', "data = json_set(data, '$.points', coalesce(json_extract(data, '$.points'), 0) + 1)"],
      ['data: a string', "data = json_set(data, '$.customerId', 'C-FORGED')"],
      ['data: a field added', "data = json_set(data, '$.forged', 1)"],
      ['metadata: provenance', "metadata = json_set(metadata, '$.sourceKey', 'forged')"],
      ['metadata: rules version', "metadata = json_set(metadata, '$.rules.version', 999)"],
      ['type', "type = type || '.forged'"],
      ['schema version', 'schema_version = schema_version + 1'],
      ['event id', 'event_id = randomblob(16)'],
      ['recorded at', "recorded_at = '2030-01-01T00:00:00.000Z'"],
      ['revision', 'revision = revision + 100000'],
    ];
    const counts = { modification: 0, deletion: 0, reordering: 0 };
    const undetected: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const kind = pick(['modification', 'deletion', 'reordering'] as const);
      counts[kind]++;
      let what: string;
      db.exec('SAVEPOINT tamper; DROP TRIGGER ledger_events_append_only_update; DROP TRIGGER ledger_events_append_only_delete;');
      try {
        const position = pick(positions);
        if (kind === 'modification') {
          const [label, set] = random.next() < 0.1 ? ['stream', `stream_id = ${pick(streamIds)}, revision = revision + 200000`] : pick(modifications);
          db.prepare(`UPDATE ledger_events SET ${set} WHERE position = ?`).run(position);
          what = `modify ${label} at ${position}`;
        } else if (kind === 'deletion') {
          db.prepare('DELETE FROM ledger_events WHERE position = ?').run(position);
          what = `delete ${position}`;
        } else {
          let other = pick(positions);
          while (other === position) other = pick(positions);
          // Swap two entries' places in the global feed (each keeps its stream and revision).
          db.prepare('UPDATE ledger_events SET position = -1 WHERE position = ?').run(position);
          db.prepare('UPDATE ledger_events SET position = ? WHERE position = ?').run(position, other);
          db.prepare('UPDATE ledger_events SET position = ? WHERE position = -1').run(other);
          what = `swap ${position} and ${other}`;
        }
        const report = await verifier.verify({ anchor });
        if (report.ok || (report.chain.firstBrokenLink === null && report.digests.firstBrokenLink === null)) undetected.push(what);
      } finally {
        db.exec('ROLLBACK TO tamper; RELEASE tamper;');
      }
    }
    expect(undetected).toEqual([]);
    expect(Math.min(counts.modification, counts.deletion, counts.reordering)).toBeGreaterThan(TRIALS / 4);
    // Rolled back: the ledger verifies again, triggers included.
    expect((await verifier.verify({ anchor })).ok).toBe(true);
    expect(() => db.prepare('DELETE FROM ledger_events WHERE position = ?').run(positions[0])).toThrow(/append-only/);
    await ledger.close();
  });
});
