import { Worker } from 'node:worker_threads';
import type { ReadByStreamOptions, StreamOrderedCursor, StreamOrderedPage } from '../port/event-store.port';
import { storedEventOfRow, type StoredEventRow } from './stored-event-row';

/** The SQL the reader thread runs: the adapter's own FROM/WHERE clauses, so both read the same rows. */
export interface ReadAheadQueries {
  /** Stream names after ?, in order, LIMIT ?. */
  streamNamesAfter: string;
  /** FROM ... with the joins, aliases `e` (events) and `s` (streams). */
  from: string;
  /** WHERE ... for whole streams in name order (after name, up to name, up to position, LIMIT). */
  streamsInNameOrder: string;
  /** WHERE ... for the rest of one stream (name, after revision, up to position, LIMIT). */
  streamRest: string;
}

/**
 * One row as JSON text, built by SQLite: [position, stream, revision, id hex, type, schema
 * version, data, metadata, recorded at]. The data and metadata columns are JSON already (the
 * adapter writes them with JSON.stringify), so they go in as they are, and one JSON.parse of the
 * page gives them back parsed. One text per row costs the reader less than nine columns, and a
 * page of text crosses threads as one string instead of millions of small values.
 */
const rowAsJson = (metadata: 'e.metadata' | "'null'") =>
  `'[' || e.position || ',' || json_quote(s.name) || ',' || e.revision || ',"' || lower(hex(e.event_id)) || '",' || json_quote(e.type) || ',' || e.schema_version || ',' || e.data || ',' || ${metadata} || ',' || json_quote(e.recorded_at) || ']'`;

type PageRow = StoredEventRow<Record<string, unknown>>;

/**
 * The reader thread. Plain JavaScript in a string (run with eval), so that it needs no build step
 * and runs the same from the compiled app and under the test runner. Each session (a caller
 * reading on from a cursor) gets pages read one after another, as soon as the previous one is
 * sent, but at most `window` pages ahead of what its caller has taken (credits), so memory stays
 * a few pages per session. Several sessions (projections rebuilt side by side) take turns.
 */
const READER_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('cache_size = ' + workerData.cacheSize);
const q = workerData.queries;
const names = db.prepare(q.streamNamesAfter).pluck();
const statements = {};
for (const meta of [true, false]) {
  statements[meta] = {
    streams: db.prepare(q.rowWith[meta] + ' ' + q.from + ' ' + q.streamsInNameOrder).pluck(),
    rest: db.prepare(q.rowWith[meta] + ' ' + q.from + ' ' + q.streamRest).pluck(),
  };
}
const sessions = new Map();
function readPage(after, limits) {
  const { upTo, maxStreams, maxEvents, includeMetadata } = limits;
  const s = statements[includeMetadata];
  let rows, lastStream;
  if (after !== null && after.afterRevision !== undefined) {
    rows = s.rest.all(after.stream, after.afterRevision, upTo, maxEvents);
    lastStream = after.stream;
  } else {
    const from = after === null ? '' : after.stream;
    const found = names.all(from, maxStreams);
    if (found.length === 0) return { text: '[]', next: null };
    lastStream = found[found.length - 1];
    rows = s.streams.all(from, lastStream, upTo, maxEvents);
  }
  let next = { stream: lastStream };
  if (rows.length >= maxEvents) {
    const last = JSON.parse(rows[rows.length - 1]);
    next = { stream: last[1], afterRevision: BigInt(last[2]) };
  }
  return { text: '[' + rows.join(',\\n') + ']', next };
}
let pumping = false;
function pump() {
  if (pumping) return;
  pumping = true;
  try {
    for (let busy = true; busy; ) {
      busy = false;
      for (const [id, session] of sessions) {
        if (session.credits === 0) continue;
        busy = true;
        session.credits--;
        let page;
        try { page = readPage(session.cursor, session.limits); } catch (error) { parentPort.postMessage({ session: id, error: String((error && error.stack) || error) }); sessions.delete(id); continue; }
        parentPort.postMessage({ session: id, text: page.text, next: page.next });
        if (page.next === null) sessions.delete(id); else session.cursor = page.next;
      }
    }
  } finally { pumping = false; }
}
parentPort.on('message', (m) => {
  if (m.kind === 'start') sessions.set(m.session, { cursor: m.after, limits: m.limits, credits: m.window });
  else if (m.kind === 'credit') { const s = sessions.get(m.session); if (s) s.credits++; }
  else if (m.kind === 'end') sessions.delete(m.session);
  pump();
});
`;

interface PageMessage {
  session: number;
  text?: string;
  next?: StreamOrderedCursor | null;
  error?: string;
}

interface Session {
  id: number;
  /** What a call must ask for to take this session's next page (null: a call is waiting for it). */
  expected: string | null;
  arrived: PageMessage[];
  waiting: ((message: PageMessage) => void) | null;
  lastUsed: number;
}

/** Sessions kept at once: more are abandoned reads (a stopped rebuild), ended oldest first. */
const MAX_SESSIONS = 8;

/**
 * Pages of stream-ordered reads, read ahead by a reader thread. A call that asks for the page
 * after the one a session last gave takes it from that session; any other call starts a session.
 */
export class StreamReadAhead {
  private readonly worker: Worker;
  private readonly sessions = new Map<number, Session>();
  private lastSession = 0;
  private failure: Error | null = null;
  private closing = false;

  constructor(file: string, cacheSize: number, queries: ReadAheadQueries, private readonly window = 2) {
    this.worker = new Worker(READER_THREAD, {
      eval: true,
      workerData: {
        file,
        cacheSize,
        betterSqlite3: require.resolve('better-sqlite3'),
        queries: { ...queries, rowWith: { true: `SELECT ${rowAsJson('e.metadata')}`, false: `SELECT ${rowAsJson("'null'")}` } },
      },
    });
    // Only a caller waiting for a page keeps the process alive (see take()).
    this.worker.unref();
    this.worker.on('message', (message: PageMessage) => {
      const session = this.sessions.get(message.session);
      if (!session) return; // a page of an ended session
      if (session.waiting) session.waiting(message);
      else session.arrived.push(message);
    });
    this.worker.on('error', (error) => this.fail(error.message));
    this.worker.on('exit', (code) => this.fail(`the ledger's reader thread stopped (exit code ${code})`));
  }

  /** The reads waiting fail with the reason; the thread is not restarted (see `broken`). */
  private fail(reason: string): void {
    this.failure ??= new Error(`reading the ledger by stream failed in the reader thread: ${reason}`);
    for (const session of this.sessions.values()) session.waiting?.({ session: session.id, error: reason });
  }

  /** The thread failed (not closed): the store reads by stream in its own thread from now on. */
  get broken(): boolean {
    return this.failure !== null && !this.closing;
  }

  async read(after: StreamOrderedCursor | null, options: ReadByStreamOptions): Promise<StreamOrderedPage> {
    if (this.failure) throw this.failure;
    const limits = { upTo: options.upTo, maxStreams: options.maxStreams, maxEvents: options.maxEvents, includeMetadata: options.includeMetadata !== false };
    const asked = requestKey(after, limits);
    let session = [...this.sessions.values()].find((s) => s.expected === asked);
    if (!session) {
      session = { id: ++this.lastSession, expected: null, arrived: [], waiting: null, lastUsed: Date.now() };
      this.sessions.set(session.id, session);
      this.worker.postMessage({ kind: 'start', session: session.id, after, limits, window: this.window });
      this.endOldSessions();
    }
    session.expected = null;
    session.lastUsed = Date.now();
    const message = await this.take(session);
    if (message.error !== undefined) {
      this.sessions.delete(session.id);
      throw this.failure ?? new Error(`reading the ledger by stream failed in the reader thread: ${message.error}`);
    }
    const next = message.next ?? null;
    if (next === null) this.sessions.delete(session.id);
    else {
      session.expected = requestKey(next, limits);
      this.worker.postMessage({ kind: 'credit', session: session.id });
    }
    return { events: (JSON.parse(message.text as string) as PageRow[]).map((row) => storedEventOfRow(row, parsed)), next };
  }

  private take(session: Session): Promise<PageMessage> {
    const ready = session.arrived.shift();
    if (ready) return Promise.resolve(ready);
    this.worker.ref();
    return new Promise((resolve) => {
      session.waiting = (message) => {
        session.waiting = null;
        if (![...this.sessions.values()].some((other) => other.waiting)) this.worker.unref();
        resolve(message);
      };
    });
  }

  private endOldSessions(): void {
    const idle = [...this.sessions.values()].filter((s) => s.waiting === null).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const session of idle.slice(0, Math.max(0, this.sessions.size - MAX_SESSIONS))) {
      this.sessions.delete(session.id);
      this.worker.postMessage({ kind: 'end', session: session.id });
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.worker.removeAllListeners('exit');
    this.fail('the ledger store was closed');
    await this.worker.terminate();
  }
}

function requestKey(after: StreamOrderedCursor | null, limits: { upTo: bigint; maxStreams: number; maxEvents: number; includeMetadata: boolean }): string {
  return JSON.stringify([after?.stream ?? null, after?.afterRevision?.toString() ?? null, limits.upTo.toString(), limits.maxStreams, limits.maxEvents, limits.includeMetadata]);
}

const parsed = (json: Record<string, unknown>) => json;
