import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandEnvelope, LedgerWriteResult } from '@loyalty/ledger-application';
import type { LedgerCommand } from '@loyalty/ledger-domain';
import { ImportCheckpoints } from './import-checkpoints';
import { fileKey, importFile, type ImportFileRequest } from './import-file';
import { NO_TOTALS } from './history-import';
import { SortedRuns } from './sorted-runs';

/** A ledger that accepts everything and remembers the lines it was given; `failAtBatch`: that batch throws (a kill). */
function recordingWriter(failAtBatch: number | null = null) {
  const lines: number[] = [];
  let batches = 0;
  return {
    lines,
    async executeBatch(envelopes: readonly CommandEnvelope[]): Promise<LedgerWriteResult[]> {
      if (++batches === failAtBatch) throw new Error('killed');
      for (const e of envelopes) lines.push((e.provenance as { line: number }).line);
      return envelopes.map((e) => ({ status: 'accepted', customerId: e.command.customerId, sourceKey: 'k', position: 1n, events: [], decided: [] }));
    },
  };
}

const row = (order: string, customer: string, day: number, amount: number) =>
  JSON.stringify({ orderId: order, customerId: customer, occurredAt: `2026-03-0${day}T10:00:00Z`, currency: 'JPY', amount });

/** Lines 1-6: B on day 3, A on day 2, B on day 1, A refused (amount), A on day 1, B on day 2. */
const SIX_ROWS = [
  row('O-1', 'B', 3, 100),
  row('O-2', 'A', 2, 200),
  row('O-3', 'B', 1, 300),
  row('O-4', 'A', 1, -4),
  row('O-5', 'A', 1, 500),
  row('O-6', 'B', 2, 600),
];
/** The order the ledger must get them in: A's history by day, then B's. */
const IN_CUSTOMER_ORDER = [5, 2, 3, 6, 1];

describe('importing a file: ordered by customer through sorted runs, from its checkpoint', () => {
  let dir: string;
  let file: string;
  let checkpoints: ImportCheckpoints;
  beforeEach(() => {
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'import-file-'));
    file = join(dir, 'history.ndjson');
    writeFileSync(file, SIX_ROWS.join('\n'));
    checkpoints = new ImportCheckpoints(join(dir, 'imports.sqlite'));
  });
  afterEach(() => {
    checkpoints.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (writer: ImportFileRequest['writer']) =>
    importFile({
      path: file,
      format: 'ndjson',
      reading: { type: 'purchase.recorded' },
      rejectsPath: `${file}.rejects.csv`,
      writer,
      checkpoints,
      runsRoot: join(dir, 'runs'),
      runRows: 2,
      chunkRows: 2,
      batchSize: 1,
    });
  const rejectedLines = () =>
    readFileSync(`${file}.rejects.csv`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',')[0]);

  it('writes each customer’s whole history together, in business-time order, across runs', async () => {
    // Given six rows of two customers, in three runs of two
    const writer = recordingWriter();
    // When the file is imported
    const outcome = await run(writer);
    // Then the ledger got A's rows by day, then B's, and the refused row is in the reject file
    expect(writer.lines).toEqual(IN_CUSTOMER_ORDER);
    expect(outcome.totals).toMatchObject({ rowsRead: 6, applied: 5, rejected: 1 });
    expect(rejectedLines()).toEqual(['line', '4']);
    // And the runs are gone once the file is in the ledger
    expect(readdirSync(join(dir, 'runs'))).toEqual([]);
  });

  it('goes on from a checkpoint in the ordering phase, and cuts the reject file back to what it covered', async () => {
    // Given lines 1-2 ordered in run 0, a checkpoint after them, and a reject line written after
    // that checkpoint (a kill while the next run was being read)
    const runs = new SortedRuns(join(dir, 'runs', fileKey(file).slice(0, 32)));
    const command = (text: string, line: number) => {
      const payload = JSON.parse(text) as { orderId: string; customerId: string; occurredAt: string; currency: string; amount: number };
      return { customerId: payload.customerId, atMs: Date.parse(payload.occurredAt), line, command: { type: 'RecordPurchase', ...payload } as LedgerCommand };
    };
    runs.write(0, [command(SIX_ROWS[0], 1), command(SIX_ROWS[1], 2)]);
    const header = 'line,field,reason\n';
    writeFileSync(`${file}.rejects.csv`, `${header}4,amount,written after the checkpoint\n`);
    checkpoints.save({
      fileKey: fileKey(file),
      path: file,
      stage: { phase: 'ordering', nextLine: 3, runs: 1, ordered: 2 },
      rejectsBytes: Buffer.byteLength(header),
      totals: { ...NO_TOTALS, rowsRead: 2 },
      finishedAt: null,
    });
    const writer = recordingWriter();
    // When the import runs again
    const outcome = await run(writer);
    // Then it read from line 3, merged run 0 with the new runs, and names the refused row once
    expect(outcome.resumedFrom).toEqual({ phase: 'ordering', nextLine: 3, runs: 1, ordered: 2 });
    expect(writer.lines).toEqual(IN_CUSTOMER_ORDER);
    expect(outcome.totals).toMatchObject({ rowsRead: 6, applied: 5, rejected: 1 });
    expect(rejectedLines()).toEqual(['line', '4']);
  });

  it('goes on from a checkpoint in the writing phase without offering the written rows again, and a finished file is not read again', async () => {
    // Given an import killed at its third ledger batch (two rows written and checkpointed)
    const killed = recordingWriter(3);
    await expect(run(killed)).rejects.toThrow('killed');
    expect(killed.lines).toEqual(IN_CUSTOMER_ORDER.slice(0, 2));
    // When it runs again
    const writer = recordingWriter();
    const outcome = await run(writer);
    // Then it wrote the rest only, in the same order, and the totals count every row once
    expect(outcome.resumedFrom).toMatchObject({ phase: 'writing', written: 2, toWrite: 5 });
    expect(writer.lines).toEqual(IN_CUSTOMER_ORDER.slice(2));
    expect(outcome.totals).toMatchObject({ rowsRead: 6, applied: 5, rejected: 1 });
    expect(rejectedLines()).toEqual(['line', '4']);
    // And the file is done: a next run reads nothing
    const again = await run(writer);
    expect(again.alreadyImported).toBe(true);
    expect(writer.lines).toEqual(IN_CUSTOMER_ORDER.slice(2));
  });

  it('removes the runs a killed import without checkpoints left behind, not those of one still running', async () => {
    // Given the runs folder of an unkept import whose process is gone, and of one that is running
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    mkdirSync(join(dir, 'runs', `unkept-${gone}`), { recursive: true });
    mkdirSync(join(dir, 'runs', `unkept-${process.pid}`), { recursive: true });
    // When a file is imported
    await run(recordingWriter());
    // Then the gone one's folder is removed, the running one's kept
    expect(readdirSync(join(dir, 'runs'))).toEqual([`unkept-${process.pid}`]);
  });
});
