import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describeEventStoreContract } from '../contract/event-store.contract';
import Database from 'better-sqlite3';
import { EventStoreUnavailableError } from '../port/event-store.port';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store';

function tempFile(): { file: string; dir: string } {
  const dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'ledger-'));
  return { dir, file: join(dir, 'ledger.sqlite') };
}

// Stream-ordered reads come from a reader thread and appends go through a writer thread by
// default (small ones written at once while it is idle); every append through the thread; and
// without the threads, everything in the calling thread: all pass.
const variants: [string, Partial<SqliteEventStoreOptions>][] = [
  ['sqlite', {}],
  ['sqlite, every append through the writer thread', { inlineAppendMaxEvents: 0 }],
  ['sqlite, reads and appends in the calling thread', { readAheadThread: false, writerThread: false }],
];
for (const [name, variant] of variants) {
  describeEventStoreContract(
    name,
    async () => {
      const { dir, file } = tempFile();
      const options = { file, ...variant };
      const store = new SqliteEventStore(options);
      return {
        store,
        secondConnection: async () => new SqliteEventStore(options),
        cleanup: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    { readsByStream: true, tellsRecentStreams: true },
  );
}

describe('SqliteEventStore specifics', () => {
  const event = (n: number) => ({ eventId: randomUUID(), type: 't', schemaVersion: 1, data: { n }, metadata: {} });

  it('runs in WAL mode with the configured synchronous level', async () => {
    const { dir, file } = tempFile();
    const store = new SqliteEventStore({ file });
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the metadata out of a read that does not want it (what makes a projection read cheap)', async () => {
    const { dir, file } = tempFile();
    const store = new SqliteEventStore({ file });
    await store.append('s', [{ ...event(1), metadata: { correlationId: 'c-1' } }], 'no-stream');
    expect((await store.readAll(0n, 10))[0].metadata).toEqual({ correlationId: 'c-1' });
    expect((await store.readAll(0n, 10, { includeMetadata: false }))[0].metadata).toEqual({});
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps what was appended across a reopen', async () => {
    const { dir, file } = tempFile();
    const first = new SqliteEventStore({ file });
    await first.append('s', [event(1), event(2)], 'no-stream');
    await first.close();
    const second = new SqliteEventStore({ file });
    expect((await second.readStream('s')).map((e) => e.data.n)).toEqual([1, 2]);
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to open a ledger file of another schema version, naming both versions', async () => {
    const { dir, file } = tempFile();
    const store = new SqliteEventStore({ file });
    store.db.pragma('user_version = 99');
    await store.close();
    expect(() => new SqliteEventStore({ file })).toThrow(`${file}: ledger schema version 99 is not 1, the version this build reads`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a non-UUID event id with a clear error (ids are UUIDs, as EventStoreDB requires)', async () => {
    const store = new SqliteEventStore({ file: ':memory:' });
    await expect(store.append('s', [{ ...event(1), eventId: 'order-1' }], 'no-stream')).rejects.toThrow('event id must be a UUID, got "order-1"');
    await store.close();
  });

  it('refuses UPDATE and DELETE on the ledger, even through raw SQL', async () => {
    const { dir, file } = tempFile();
    const store = new SqliteEventStore({ file });
    await store.append('s', [event(1)], 'no-stream');
    expect(() => store.db.prepare("UPDATE ledger_events SET data = '{}'").run()).toThrow('the ledger is append-only: UPDATE refused');
    expect(() => store.db.prepare('DELETE FROM ledger_events').run()).toThrow('the ledger is append-only: DELETE refused');
    expect(() => store.db.prepare("UPDATE ledger_streams SET name = 'x'").run()).toThrow('the ledger is append-only: UPDATE refused');
    expect((await store.readStream('s'))[0].data).toEqual({ n: 1 });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads on correctly after many abandoned stream-ordered reads (stopped rebuilds) have been ended', async () => {
    const { dir, file } = tempFile();
    const store = new SqliteEventStore({ file });
    for (const s of ['a', 'b', 'c']) await store.append(s, [event(1), event(2)], 'no-stream');
    const limits = (maxEvents: number) => ({ upTo: 6n, maxStreams: 1, maxEvents });
    // Twelve readers take a first page and stop: more than the reader thread keeps sessions for.
    const firsts = [];
    for (let maxEvents = 1; maxEvents <= 12; maxEvents++) firsts.push(await store.readByStream(null, limits(maxEvents)));
    // The first of them reads on: its session was ended, a new one starts from its cursor.
    const rest = [];
    for (let after = firsts[0].next; after !== null;) {
      const page = await store.readByStream(after, limits(1));
      rest.push(...page.events.map((e) => `${e.stream}@${e.revision}`));
      after = page.next;
    }
    expect([...firsts[0].events.map((e) => `${e.stream}@${e.revision}`), ...rest]).toEqual(['a@0', 'a@1', 'b@0', 'b@1', 'c@0', 'c@1']);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads by stream in the calling thread, losing nothing, when the reader thread fails, and says so once', async () => {
    const { dir, file } = tempFile();
    const failures: string[] = [];
    const store = new SqliteEventStore({ file, onThreadFailure: (error) => failures.push(error.message) });
    await store.append('s', [event(1)], 'no-stream');
    // The reader thread opens its own connection when first needed: without the file, it cannot.
    rmSync(dir, { recursive: true, force: true });
    const limits = { upTo: 1n, maxStreams: 10, maxEvents: 10 };
    expect((await store.readByStream(null, limits)).events.map((e) => e.data)).toEqual([{ n: 1 }]);
    expect(failures).toEqual([
      expect.stringMatching(/^reading the ledger by stream failed in the reader thread: Cannot open database because the directory does not exist/),
    ]);
    expect((await store.readByStream(null, limits)).events.map((e) => e.data)).toEqual([{ n: 1 }]);
    expect(failures).toHaveLength(1);
    expect((await store.readStream('s'))[0].data).toEqual({ n: 1 });
    await store.close();
  });

  it('reports an append that SQLite refuses in the writer thread with its error, writes none of it, and appends on after', async () => {
    const { dir, file } = tempFile();
    const store = new SqliteEventStore({ file, inlineAppendMaxEvents: 0 });
    await store.append('s', [event(1)], 'no-stream');
    store.db.exec(
      "CREATE TRIGGER refuse_n2 BEFORE INSERT ON ledger_events WHEN json_extract(NEW.data, '$.n') = 2 BEGIN SELECT RAISE(ABORT, 'no n = 2 today'); END",
    );
    await expect(
      store.appendMany([
        { stream: 't', expectedRevision: 'no-stream', events: [event(3)] },
        { stream: 's', expectedRevision: 0n, events: [event(2)] },
      ]),
    ).rejects.toThrow('no n = 2 today');
    expect(await store.headPosition()).toBe(1n);
    store.db.exec('DROP TRIGGER refuse_n2');
    await expect(store.append('s', [event(2)], 0n)).resolves.toMatchObject({ nextExpectedRevision: 1n, position: 2n });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['the writer thread', 0],
    ['the calling thread (a small append)', 256],
  ])('reports a ledger kept busy by another process as unavailable (retry later), from %s', async (_where, inlineAppendMaxEvents) => {
    const { dir, file } = tempFile();
    const store = new SqliteEventStore({ file, busyTimeoutMs: 50, inlineAppendMaxEvents });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    await expect(store.append('s', [event(1)], 'no-stream')).rejects.toBeInstanceOf(EventStoreUnavailableError);
    other.exec('ROLLBACK');
    await expect(store.append('s', [event(1)], 'no-stream')).resolves.toMatchObject({ position: 1n });
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a small append at once while the writer thread is idle, and sends it to the thread behind appends under way (order kept)', async () => {
    const { dir, file } = tempFile();
    const store = new SqliteEventStore({ file, inlineAppendMaxEvents: 2 });
    const other = new Database(file, { readonly: true });
    const count = () => (other.prepare('SELECT COUNT(*) AS n FROM ledger_events').get() as { n: number }).n;
    const small = store.append('a', [event(1), event(2)], 'no-stream');
    expect(count()).toBe(2); // written before append returned
    await small;
    const big = store.append('b', [event(3), event(4), event(5)], 'no-stream'); // over the limit: the thread
    const behind = store.append('c', [event(6)], 'no-stream'); // small, but the thread is busy: behind it
    expect(await Promise.all([big, behind])).toMatchObject([{ position: 5n }, { position: 6n }]);
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the appends a failed writer thread had, with the reason, then writes on in the calling thread (a retry is safe)', async () => {
    const { dir, file } = tempFile();
    const store = new SqliteEventStore({ file, inlineAppendMaxEvents: 1 });
    await store.append('a', [event(1)], 'no-stream'); // small: written here, no thread yet
    // The thread opens its own connection when first needed: without the file, it cannot.
    rmSync(dir, { recursive: true, force: true });
    const big = () => store.append('b', [event(2), event(3)], 'no-stream');
    await expect(big()).rejects.toThrow(/^appending to the ledger failed in its writer thread: Cannot open database because the directory does not exist/);
    await expect(big()).resolves.toMatchObject({ nextExpectedRevision: 1n, position: 3n });
    expect((await store.readStream('b')).map((e) => e.data.n)).toEqual([2, 3]);
    await store.close();
    await expect(store.append('c', [event(4)], 'no-stream')).rejects.toThrow('the ledger store is closed');
  });

  it('sees appends made by another connection through its subscription (polling)', async () => {
    const { dir, file } = tempFile();
    const reader = new SqliteEventStore({ file });
    const writer = new SqliteEventStore({ file });
    const seen: unknown[] = [];
    const sub = reader.subscribeToAll(0n, (events) => void seen.push(...events.map((e) => e.data.n)), { pollIntervalMs: 10 });
    await writer.append('s', [event(7)], 'no-stream');
    const deadline = Date.now() + 5000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([7]);
    await sub.close();
    await reader.close();
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
