import { join } from 'node:path';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter, type CommandEnvelope } from '@loyalty/ledger-application';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload } from '@loyalty/workload-generator';
import { auditKey, LedgerSealer, readDigests, signOff } from './ledger-digests';
import { LedgerVerifier } from './ledger-verifier';
import { SealingThread } from './sealing-thread';

const key = auditKey('test-audit-key');
const ruleBook = new RuleBook([defaultProgramRules()]);
const sealedAt = new Date('2026-06-01T00:00:00Z');

async function written(ledger: SqliteEventStore, purchases: number, seed: number): Promise<void> {
  const writer = new LedgerWriter(ledger, { current: () => ruleBook }, { now: () => sealedAt });
  const batch: CommandEnvelope[] = [];
  let index = 0;
  for (const item of generateWorkload({ seed, customers: 30, purchases, enrolCustomers: true, withLines: false, customerPrefix: `S${seed}-` }))
    batch.push({ command: item.command, provenance: { channel: 'batch', batchId: `seal-${seed}`, index: index++ } });
  await writer.executeBatch(batch);
}

describe('SealingThread: an embedded ledger sealed in a thread of its own', () => {
  it('given entries written on the main connection, when sealed in the thread twice, then the digests chain, verify, and match what a sealer here finds', async () => {
    // given a SQLite ledger with entries written through the app's connection
    const file = join(process.env.LOYALTY_TEST_TMP ?? '/tmp', `sealing-thread-${process.pid}-${Date.now()}.sqlite`);
    const ledger = new SqliteEventStore({ file, synchronous: 'NORMAL' });
    await written(ledger, 200, 1);
    const sealer = new SealingThread(ledger, file, key, () => sealedAt);
    try {
      // when the thread seals, then one digest covers every entry up to the head
      const head = await ledger.headPosition();
      const first = await sealer.seal();
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ fromPosition: '0', toPosition: head.toString(), previousDigest: 'genesis', sealedAt: sealedAt.toISOString() });
      // and more entries, sealed again, chain to the first digest
      await written(ledger, 100, 2);
      const headBefore = await ledger.headPosition();
      const second = await sealer.seal();
      expect(second).toHaveLength(1);
      expect(second[0]).toMatchObject({ fromPosition: first[0].toPosition, toPosition: headBefore.toString(), previousDigest: first[0].digest });
      // nothing new: nothing sealed; and all of it in the thread
      expect(await sealer.seal()).toEqual([]);
      expect(sealer.threaded).toBe(true);

      // then the main connection reads the thread's digests, and the newest is what the thread said
      const digests = await readDigests(ledger);
      expect(digests.map((d) => d.digest.digest)).toEqual([first[0].digest, second[0].digest]);
      const newest = await sealer.lastDigest();
      expect(newest).toEqual(digests[1]);
      expect(await new LedgerSealer(ledger, key, () => sealedAt).lastDigest()).toEqual(digests[1]);
      // and verify finds every digest sound, nothing unsealed
      const report = await new LedgerVerifier(ledger, key, null).verify({ anchor: signOff(digests[1]) });
      expect(report.digests).toMatchObject({ checked: 2, failed: 0, unsealedEntries: 0 });
      expect(report.ok).toBe(true);
    } finally {
      await sealer.close();
      await ledger.close();
    }
  });
});
