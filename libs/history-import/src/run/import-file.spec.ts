import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandEnvelope, LedgerWriteResult } from '@loyalty/ledger-application';
import { ImportCheckpoints } from './import-checkpoints';
import { fileKey, importFile } from './import-file';
import { NO_TOTALS } from './history-import';

/** A ledger that accepts everything and remembers the lines it was given. */
function recordingWriter() {
  const lines: number[] = [];
  return {
    lines,
    async executeBatch(envelopes: readonly CommandEnvelope[]): Promise<LedgerWriteResult[]> {
      for (const e of envelopes) lines.push((e.provenance as { line: number }).line);
      return envelopes.map((e) => ({ status: 'accepted', customerId: e.command.customerId, sourceKey: 'k', position: 1n, events: [], decided: [] }));
    },
  };
}

const row = (order: string, amount: number) =>
  JSON.stringify({ orderId: order, customerId: 'C-1', occurredAt: '2026-03-01T10:00:00Z', currency: 'JPY', amount });

describe('importing a file from its checkpoint', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'import-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('goes on at the checkpoint’s line, and cuts the reject file back to what the checkpoint covered', async () => {
    // Given a file of four rows, a checkpoint after the first two, and a reject file with a line
    // written after that checkpoint (a kill between the chunk's rejects and its checkpoint)
    const file = join(dir, 'history.ndjson');
    writeFileSync(file, [row('O-1', 100), row('O-2', -1), row('O-3', 300), row('O-4', -4)].join('\n'));
    const header = 'line,field,reason\n';
    writeFileSync(`${file}.rejects.csv`, `${header}2,amount,covered\n4,amount,written after the checkpoint\n`);
    const checkpoints = new ImportCheckpoints(join(dir, 'imports.sqlite'));
    checkpoints.save({
      fileKey: fileKey(file),
      path: file,
      nextLine: 3,
      rejectsBytes: Buffer.byteLength(`${header}2,amount,covered\n`),
      totals: { ...NO_TOTALS, rowsRead: 2, applied: 1, rejected: 1 },
      finishedAt: null,
    });
    const writer = recordingWriter();
    const run = () =>
      importFile({
        path: file,
        format: 'ndjson',
        reading: { type: 'purchase.recorded' },
        rejectsPath: `${file}.rejects.csv`,
        writer,
        checkpoints,
      });
    // When the import runs again
    const outcome = await run();
    // Then it read lines 3 and 4 only, added to the totals, and the reject file names each refused row once
    expect(outcome.startedAtLine).toBe(3);
    expect(writer.lines).toEqual([3]);
    expect(outcome.totals).toMatchObject({ rowsRead: 4, applied: 2, rejected: 2 });
    const rejects = readFileSync(`${file}.rejects.csv`, 'utf8').trim().split('\n');
    expect(rejects.map((l) => l.split(',')[0])).toEqual(['line', '2', '4']);
    // And the file is done: a next run reads nothing
    const again = await run();
    expect(again.alreadyImported).toBe(true);
    expect(writer.lines).toEqual([3]);
    checkpoints.close();
  });
});
