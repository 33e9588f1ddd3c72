import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/app-config';
import { runCli } from './loyalty-cli';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out: () => out.join(''), err: () => err.join('') };
}

describe('the loyalty command line', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const config = () => loadConfig({ LOYALTY_DATA_DIR: join(dir, 'data') });

  it('prints help for every command, with the exit codes, and opens nothing for it', async () => {
    for (const argv of [['--help'], ['import', '--help'], ['import', 'history', '--help'], ['finance', 'liability', '--help'], ['replay', 'start', '--help']]) {
      // When help is asked
      const { io, out } = capture();
      const code = await runCli(
        argv,
        () => {
          throw new Error('help reads no configuration');
        },
        io,
      );
      // Then it answers 0 with the usage and the exit codes
      expect(code).toBe(0);
      expect(out()).toContain('Usage: loyalty');
      expect(out()).toContain('Exit codes:');
    }
  });

  it('answers a wrong use with exit code 2 and says what is wrong', async () => {
    const cases: [string[], string][] = [
      [['finance', 'nothing'], "unknown command 'nothing'"],
      [['finance', 'liability'], "required option '--as-of <instant>' not specified"],
      [['finance', 'roll-forward', '--from', 'last week', '--to', '2026-01-01'], 'an ISO-8601 date or instant is needed'],
      [['import', 'history', 'x.ndjson', '--type', 'order.placed'], '--type must be one of purchase.recorded'],
      [['import', 'history', join('no-such-dir', '*.csv'), '--type', 'purchase.recorded'], 'no file matches'],
      [['import', 'history', '-'], 'reading stdin needs --format'],
    ];
    for (const [argv, message] of cases) {
      const { io, err } = capture();
      expect(await runCli(argv, config, io)).toBe(2);
      expect(err()).toContain(message);
    }
  });

  it('checks a file in a dry run: the summary and the reject file, and nothing written to the ledger', async () => {
    // Given an NDJSON file with two good rows, a row of another type, a bad amount and a line that is not JSON
    const file = join(dir, 'history.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({ orderId: 'O-1', customerId: 'C-1', occurredAt: '2026-03-01T10:00:00Z', currency: 'JPY', amount: 1200 }),
        JSON.stringify({ type: 'customer.enrolled', payload: { customerId: 'C-2', enrolledAt: '2026-01-01T00:00:00Z' } }),
        JSON.stringify({ orderId: 'O-2', customerId: 'C-1', occurredAt: '2026-03-02T10:00:00Z', currency: 'JPY', amount: -5 }),
        '{"orderId": ',
        JSON.stringify({ orderId: 'O-3', customerId: 'C-3', occurredAt: '2026-03-03T10:00:00Z', currency: 'JPY', amount: 800 }),
      ].join('\n'),
    );
    const { io, out, err } = capture();
    // When it is imported as a dry run, without a terminal (a progress line at the end)
    const code = await runCli(['import', 'history', file, '--type', 'purchase.recorded', '--dry-run'], config, io, { tty: false, progressEveryMs: 0 });
    // Then every row was read, two refused with their line and field, nothing written
    expect(code).toBe(0);
    expect(JSON.parse(out())).toMatchObject({ dryRun: true, total: { rowsRead: 5, applied: 3, rejected: 2, duplicates: 0 } });
    expect(readFileSync(`${file}.rejects.csv`, 'utf8').split('\n').slice(0, 3)).toEqual([
      'line,field,reason',
      expect.stringMatching(/^3,amount,/),
      expect.stringMatching(/^4,\(row\),not JSON/),
    ]);
    expect(existsSync(join(dir, 'data', 'ledger.sqlite'))).toBe(false);
    const progress = err()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { progress: string; done: number; total: number; rows: number; rssMiB: number; heapUsedMiB: number });
    expect(progress[progress.length - 1]).toMatchObject({ done: progress[progress.length - 1].total, rows: 5 });
    // And each line says how much memory the process holds
    expect(progress[progress.length - 1].rssMiB).toBeGreaterThanOrEqual(progress[progress.length - 1].heapUsedMiB);
    expect(progress[progress.length - 1].heapUsedMiB).toBeGreaterThan(0);
  });
});
