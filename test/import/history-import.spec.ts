// @needs build (left out of npm run test:unit)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse/sync';
import { SqliteEventStore, type StoredEvent } from '@loyalty/event-store';
import { SeededRandom } from '@loyalty/workload-generator';

// A retailer's history as its warehouse exports it: 100,000 purchases in CSV with its own
// column names, 1% of them invalid and 1% sent twice. `loyalty import history` runs as users
// run it (bin/loyalty.js, in its own process).
const ROWS = 100_000;
const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'loyalty.js');
const INVALID = [
  (row: string[]) => ((row[4] = '-500'), 'amount'),
  (row: string[]) => ((row[2] = '2025-02-30T10:00:00Z'), 'occurredAt'),
  (row: string[]) => ((row[1] = ''), 'customerId'),
  (row: string[]) => ((row[3] = 'yen'), 'currency'),
  (row: string[]) => ((row[4] = '12.5'), 'amount'),
];

interface Expected {
  invalid: Map<number, string>;
  duplicates: number;
}

/** The file (header on line 1), and what it holds: invalid lines with the field to blame, and how many rows repeat an earlier one. */
function writeHistory(file: string): Expected {
  const random = new SeededRandom(20261202);
  const lines = ['order_no,member,ordered_at,currency,total'];
  const valid: string[][] = [];
  const invalid = new Map<number, string>();
  let duplicates = 0;
  for (let i = 0; lines.length <= ROWS; i++) {
    const line = lines.length + 1;
    if (valid.length > 100 && random.next() < 0.01) {
      lines.push(valid[Math.floor(random.next() * valid.length)].join(','));
      duplicates++;
      continue;
    }
    const at = new Date(Date.parse('2025-01-01T00:00:00Z') + Math.floor(random.next() * 300 * 86_400_000)).toISOString();
    const row = [`ORD-${i}`, `C-${Math.floor(random.next() * 10_000)}`, at, 'JPY', String(100 + Math.floor(random.next() * 30_000))];
    if (random.next() < 0.01) invalid.set(line, INVALID[invalid.size % INVALID.length](row));
    else valid.push(row);
    lines.push(row.join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { invalid, duplicates };
}

interface Run {
  code: number | null;
  summary: {
    total: { rowsRead: number; applied: number; duplicates: number; rejected: number; pointsIssued: number };
    files: { alreadyImported: boolean; resumedFrom: { phase: string; written?: number; nextLine?: number } | null }[];
  } | null;
  progressLines: number;
}

/** Runs the command; kill: SIGKILL it a moment after a progress line of that phase says this many rows were read (ordering) or written. */
function importRun(dataDir: string, file: string, extra: string[] = [], kill: { phase: 'order' | 'write'; rows: number } | null = null): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        bin,
        'import',
        'history',
        file,
        '--type',
        'purchase.recorded',
        '--map',
        'orderId=order_no,customerId=member,occurredAt=ordered_at,amount=total',
        '--run-rows',
        '20000',
        '--chunk-rows',
        '5000',
        ...extra,
      ],
      { env: { ...process.env, LOYALTY_DATA_DIR: dataDir, LOYALTY_PROGRESS_INTERVAL_MS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let progressLines = 0;
    let killing = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let messages = '';
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (!line.startsWith('{')) {
        messages += `${line}\n`;
        return;
      }
      progressLines++;
      const progress = JSON.parse(line) as { progress: string; done: number; rows?: number };
      const rows = progress.progress.startsWith('order') ? (progress.rows ?? 0) : progress.done;
      if (kill !== null && progress.progress.startsWith(kill.phase) && rows >= kill.rows && !killing) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), 40); // in the middle of the next run or chunk
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`[import] exit ${code}: ${messages}\n`);
      resolve({ code, summary: stdout.trim() ? (JSON.parse(stdout) as Run['summary']) : null, progressLines });
    });
  });
}

async function ledgerEntries(dataDir: string): Promise<StoredEvent[]> {
  const store = new SqliteEventStore({ file: join(dataDir, 'ledger.sqlite') });
  try {
    return await store.readAll(0n, 10_000_000);
  } finally {
    await store.close();
  }
}

/** An entry as the comparison sees it: everything but when it was written (and the chain hash, which covers that). */
function comparable(e: StoredEvent) {
  const metadata = e.metadata as { provenance?: unknown; sourceKey?: unknown; rules?: unknown } | undefined;
  return [
    e.position.toString(),
    e.stream,
    e.revision.toString(),
    e.type,
    e.eventId,
    JSON.stringify(e.data),
    JSON.stringify(metadata?.provenance),
    metadata?.sourceKey,
    JSON.stringify(metadata?.rules),
  ];
}

// Three imports of 100,000 rows each: 34 s and 60 s alone on the reference machine, more beside the other suites.
const IMPORT_TEST_TIMEOUT_MS = 240_000;

describe('loyalty import history: a 100,000-row CSV, exactly once', () => {
  let dir: string;
  let file: string;
  let expected: Expected;
  beforeAll(() => {
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'import-'));
    file = join(dir, 'orders-2025.csv');
    expected = writeHistory(file);
    mkdirSync(join(dir, 'uninterrupted'));
    mkdirSync(join(dir, 'killed'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'imports every valid row once, names every invalid row in the reject file, and adds nothing when run again',
    async () => {
      // When the file is imported
      const first = await importRun(join(dir, 'uninterrupted'), file);
      // Then every row was read: the invalid ones rejected, the repeated ones duplicates, the rest applied
      expect(first.code).toBe(0);
      expect(first.summary?.total).toMatchObject({
        rowsRead: ROWS,
        rejected: expected.invalid.size,
        duplicates: expected.duplicates,
        applied: ROWS - expected.invalid.size - expected.duplicates,
      });
      expect(expected.invalid.size).toBeGreaterThan(800);
      expect(first.summary?.total.pointsIssued).toBeGreaterThan(0);
      expect(first.progressLines).toBeGreaterThan(5); // a progress line per chunk without a terminal
      // And the reject file names each invalid row: its line and the field to blame
      const rejects = parse(readFileSync(`${file}.rejects.csv`), { columns: true }) as { line: string; field: string; reason: string }[];
      expect(new Map(rejects.map((r) => [Number(r.line), r.field]))).toEqual(expected.invalid);
      expect(rejects.every((r) => r.reason.length > 0)).toBe(true);
      const entries = await ledgerEntries(join(dir, 'uninterrupted'));
      const purchases = entries.filter((e) => e.type === 'loyalty.purchase-recorded');
      expect(purchases).toHaveLength(ROWS - expected.invalid.size - expected.duplicates);
      // With its provenance: the file and the line
      expect(purchases[0].metadata).toMatchObject({ provenance: { channel: 'import', file: 'orders-2025.csv', line: expect.any(Number) } });

      // When it is run again, and then read again from its first line
      const again = await importRun(join(dir, 'uninterrupted'), file);
      const restarted = await importRun(join(dir, 'uninterrupted'), file, ['--restart']);
      // Then nothing was added: the second run knows the file is done, the restarted one finds duplicates
      expect(again.summary?.files[0].alreadyImported).toBe(true);
      expect(restarted.summary?.total).toMatchObject({ rowsRead: ROWS, applied: 0, duplicates: ROWS - expected.invalid.size, rejected: expected.invalid.size });
      expect((await ledgerEntries(join(dir, 'uninterrupted'))).length).toBe(entries.length);
    },
    IMPORT_TEST_TIMEOUT_MS,
  );

  it(
    'ends, after SIGKILLs in the middle and restarts, with the same ledger as the uninterrupted run, entry by entry',
    async () => {
      // Given the import killed while it ordered the file, and again while it wrote the ledger
      const killedDir = join(dir, 'killed');
      const firstKill = await importRun(killedDir, file, [], { phase: 'order', rows: 30_000 });
      const secondKill = await importRun(killedDir, file, [], { phase: 'write', rows: 30_000 });
      expect([firstKill.code, secondKill.code]).toEqual([null, null]);
      // When it is run once more
      const last = await importRun(killedDir, file);
      // Then it went on from its checkpoint in the writing phase, and the ledger is the uninterrupted run's
      expect(last.code).toBe(0);
      expect(last.summary?.files[0].resumedFrom).toMatchObject({ phase: 'writing', written: expect.any(Number) });
      expect(last.summary?.files[0].resumedFrom?.written).toBeGreaterThanOrEqual(30_000);
      const [killed, uninterrupted] = await Promise.all([ledgerEntries(killedDir), ledgerEntries(join(dir, 'uninterrupted'))]);
      expect(uninterrupted.length).toBeGreaterThan(2 * (ROWS - expected.invalid.size - expected.duplicates));
      expect(killed.length).toBe(uninterrupted.length);
      for (let i = 0; i < killed.length; i++) expect(comparable(killed[i])).toEqual(comparable(uninterrupted[i]));
      // And the reject file is the same as well (what a killed chunk wrote was cut back)
      const rejects = readFileSync(`${file}.rejects.csv`, 'utf8');
      expect(rejects.split('\n').length - 2).toBe(expected.invalid.size);
    },
    IMPORT_TEST_TIMEOUT_MS,
  );
});
