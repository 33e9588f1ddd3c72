import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Heap } from 'heap-js';
import type { LedgerCommand } from '@loyalty/ledger-domain';

/** A valid row on its way to the ledger, with what the import orders by: its customer, its business time, its line. */
export interface OrderedRow {
  customerId: string;
  atMs: number;
  line: number;
  command: LedgerCommand;
}

/** Each customer's rows together, in business-time order (the file's order where times are equal). */
export function byCustomerThenTime(a: OrderedRow, b: OrderedRow): number {
  return (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0) || a.atMs - b.atMs || a.line - b.line;
}

const RUN_FILE = /^run-(\d{6})\.ndjson$/;
// Small: the merge holds one block of every run at once, and a larger file has more runs.
const READ_BLOCK = 64 << 10;

/**
 * A file's valid rows, ordered by customer in runs on disk (an external sort): each run is a
 * slice of the file sorted in memory and written whole (to a temporary name, synced, renamed:
 * a run on disk is complete), and the runs are merged on the way into the ledger. Every account
 * is then written once, its whole history together, instead of being folded again from the
 * ledger every time the file comes back to it.
 */
export class SortedRuns {
  constructor(readonly dir: string) {}

  /** Sorts the rows and stores them as run `index`. */
  write(index: number, rows: OrderedRow[]): void {
    mkdirSync(this.dir, { recursive: true });
    rows.sort(byCustomerThenTime);
    const temporary = join(this.dir, `run-${pad(index)}.ndjson.partial`);
    const fd = openSync(temporary, 'w');
    try {
      for (let i = 0; i < rows.length; i += 10_000) {
        let text = '';
        for (const row of rows.slice(i, i + 10_000)) text += `${JSON.stringify([row.customerId, row.atMs, row.line, row.command])}\n`;
        writeSync(fd, text);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path(index));
  }

  /** Forgets the runs from `index` on (what a killed run left), keeping the ones before. */
  keepFirst(count: number): void {
    for (const name of this.names()) {
      const match = RUN_FILE.exec(name);
      if (!match || Number(match[1]) >= count) rmSync(join(this.dir, name), { force: true });
    }
  }

  /** Complete runs on disk. */
  count(): number {
    return this.names().filter((name) => RUN_FILE.test(name)).length;
  }

  /** The rows of the first `count` runs, merged in order, the first `skip` of them passed over (a resumed import). */
  *merged(count: number, skip = 0): Generator<OrderedRow> {
    const readers: RunReader[] = [];
    try {
      for (let i = 0; i < count; i++) readers.push(new RunReader(this.path(i)));
      const heap = new Heap<RunHead>((a, b) => byCustomerThenTime(a.head, b.head));
      for (const reader of readers) {
        const head = reader.next();
        if (head) heap.push({ head, reader });
      }
      let passed = 0;
      for (let top = heap.peek(); top; top = heap.peek()) {
        const row = top.head;
        const following = top.reader.next();
        if (following) heap.replace({ head: following, reader: top.reader });
        else heap.pop();
        if (passed < skip) passed++;
        else yield row;
      }
    } finally {
      for (const reader of readers) reader.close();
    }
  }

  /** Removes the runs and their folder (the file is in the ledger). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private names(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }

  private path(index: number): string {
    return join(this.dir, `run-${pad(index)}.ndjson`);
  }
}

/** The folder of an import that keeps no checkpoint (stdin, a memory ledger): removed at its end, or by a later import once its process is gone. */
export function unkeptRunsFolder(runsRoot: string): string {
  return join(runsRoot, `${UNKEPT}${process.pid}`);
}

/** Removes the unkept folders whose process is gone (killed before it could remove its own). */
export function removeAbandonedRuns(runsRoot: string): void {
  let names: string[];
  try {
    names = readdirSync(runsRoot);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(UNKEPT)) continue;
    const pid = Number(name.slice(UNKEPT.length));
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) rmSync(join(runsRoot, name), { recursive: true, force: true });
  }
}

const UNKEPT = 'unkept-';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pad(index: number): string {
  return String(index).padStart(6, '0');
}

/** One run's rows, read a block at a time. */
class RunReader {
  private readonly fd: number;
  private readonly block = Buffer.alloc(READ_BLOCK);
  private readonly decoder = new StringDecoder('utf8');
  private lines: string[] = [];
  private at = 0;
  private rest = '';
  private ended = false;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }

  next(): OrderedRow | null {
    while (this.at >= this.lines.length) {
      if (this.ended) return null;
      this.fill();
    }
    const [customerId, atMs, line, command] = JSON.parse(this.lines[this.at++]) as [string, number, number, LedgerCommand];
    return { customerId, atMs, line, command };
  }

  close(): void {
    closeSync(this.fd);
  }

  private fill(): void {
    const length = readSync(this.fd, this.block, 0, this.block.length, null);
    const text = this.rest + (length > 0 ? this.decoder.write(this.block.subarray(0, length)) : this.decoder.end());
    const lines = text.split('\n');
    this.rest = length > 0 ? (lines.pop() ?? '') : '';
    if (length === 0) this.ended = true;
    this.lines = lines.filter((l) => l.length > 0);
    this.at = 0;
  }
}

interface RunHead {
  head: OrderedRow;
  reader: RunReader;
}
