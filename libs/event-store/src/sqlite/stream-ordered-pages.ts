import type Database from 'better-sqlite3';
import type { StreamOrderedCursor, StreamOrderedPage } from '../port/event-store.port';
import { storedEventOfRow, type StoredEventRow } from './stored-event-row';

export interface PageLimits {
  upTo: bigint;
  maxStreams: number;
  maxEvents: number;
  includeMetadata: boolean;
}

/**
 * A page of a session (a caller reading on from a cursor): `start` reads the first page and keeps
 * the session's cursor, so that each `next` can be asked before the page before it has come back
 * (the reader reads ahead without waiting for its caller); `end` forgets the session.
 */
export type PageRequest =
  | { kind: 'start'; session: number; after: StreamOrderedCursor | null; limits: PageLimits }
  | { kind: 'next'; session: number }
  | { kind: 'end'; session: number };

/** A `next` for a session this reader does not know (ended, or started in a thread that failed). */
export interface UnknownSession {
  unknownSession: number;
}

/** A page as JSON text (see rowAsJson) and the cursor after it (null: no more streams). */
export interface PageText {
  text: string;
  next: StreamOrderedCursor | null;
}

/** Events with their stream names, aliases `e` and `s`: every SELECT of the adapter reads from it. */
export const EVENTS_WITH_STREAM_NAMES = 'FROM ledger_events e JOIN ledger_streams s ON s.stream_id = e.stream_id';

/**
 * One row as JSON text, built by SQLite: [position, stream, revision, id hex, type, schema
 * version, data, metadata, recorded at]. The data and metadata columns are JSON already (the
 * adapter writes them with JSON.stringify), so they go in as they are, and one JSON.parse of the
 * page gives them back parsed. One text per row costs the reader less than nine columns, and a
 * page of text crosses threads as one string instead of millions of small values.
 */
const rowAsJson = (metadata: 'e.metadata' | "'null'") =>
  `'[' || e.position || ',' || json_quote(s.name) || ',' || e.revision || ',"' || lower(hex(e.event_id)) || '",' || json_quote(e.type) || ',' || e.schema_version || ',' || e.data || ',' || ${metadata} || ',' || json_quote(e.recorded_at) || ']'`;

// Whole streams in name order up to a position: the planner walks the stream-name index, then
// each stream's (stream_id, revision) index, so the rows come out in order without a sort.
const STREAMS_IN_NAME_ORDER = 'WHERE s.name > ? AND s.name <= ? AND e.position <= ? ORDER BY s.name, e.revision LIMIT ?';
// The rest of one stream that outgrew a page.
const STREAM_REST = 'WHERE s.name = ? AND e.revision > ? AND e.position <= ? ORDER BY e.revision LIMIT ?';
const STREAM_NAMES_AFTER = 'SELECT name FROM ledger_streams WHERE name > ? ORDER BY name LIMIT ?';

/**
 * Stream-ordered pages of the ledger on one connection: in the reader thread for a file
 * (sqlite-reader.worker), in the calling thread otherwise.
 */
export function streamOrderedPagesOn(db: Database.Database): (request: PageRequest) => PageText | null {
  const readPage = pageReaderOn(db);
  const sessions = new Map<number, { cursor: StreamOrderedCursor | null; limits: PageLimits }>();
  return (request) => {
    if (request.kind === 'end') {
      sessions.delete(request.session);
      return null;
    }
    const session = request.kind === 'start' ? { cursor: request.after, limits: request.limits } : sessions.get(request.session);
    if (!session) {
      const refusal: UnknownSession = { unknownSession: request.session };
      throw refusal;
    }
    const page = readPage(session.cursor, session.limits);
    if (page.next === null) sessions.delete(request.session);
    else sessions.set(request.session, { cursor: page.next, limits: session.limits });
    return page;
  };
}

/** One page after a cursor. */
function pageReaderOn(db: Database.Database): (after: StreamOrderedCursor | null, limits: PageLimits) => PageText {
  const names = db.prepare<[string, number], string>(STREAM_NAMES_AFTER).pluck();
  const statementsWith = (metadata: 'e.metadata' | "'null'") => ({
    streams: db.prepare<[string, string, number, number], string>(`SELECT ${rowAsJson(metadata)} ${EVENTS_WITH_STREAM_NAMES} ${STREAMS_IN_NAME_ORDER}`).pluck(),
    rest: db.prepare<[string, number, number, number], string>(`SELECT ${rowAsJson(metadata)} ${EVENTS_WITH_STREAM_NAMES} ${STREAM_REST}`).pluck(),
  });
  const withMetadata = statementsWith('e.metadata');
  const withoutMetadata = statementsWith("'null'");

  return (after, limits) => {
    const { upTo, maxStreams, maxEvents } = limits;
    const s = limits.includeMetadata ? withMetadata : withoutMetadata;
    let rows: string[];
    let lastStream: string;
    if (after?.afterRevision !== undefined) {
      rows = s.rest.all(after.stream, Number(after.afterRevision), Number(upTo), maxEvents);
      lastStream = after.stream;
    } else {
      // Stream names are never empty, so '' sorts before every one of them.
      const from = after?.stream ?? '';
      const found = names.all(from, maxStreams);
      if (found.length === 0) return { text: '[]', next: null };
      lastStream = found[found.length - 1];
      rows = s.streams.all(from, lastStream, Number(upTo), maxEvents);
    }
    let next: StreamOrderedCursor = { stream: lastStream };
    if (rows.length >= maxEvents) {
      // A full page may end inside a stream: the next one reads on from its last event.
      const last = JSON.parse(rows[rows.length - 1]) as PageRow;
      next = { stream: last[1], afterRevision: BigInt(last[2]) };
    }
    return { text: `[${rows.join(',\n')}]`, next };
  };
}

type PageRow = StoredEventRow<Record<string, unknown>>;

export function pageOfText({ text, next }: PageText): StreamOrderedPage {
  return { events: (JSON.parse(text) as PageRow[]).map((row) => storedEventOfRow(row, parsed)), next };
}

const parsed = (json: Record<string, unknown>) => json;
