import type { ThreadOrHere } from '@loyalty/thread-support';
import type { ReadByStreamOptions, StreamOrderedCursor, StreamOrderedPage } from '../port/event-store.port';
import { pageOfText, type PageLimits, type PageRequest, type PageText } from './stream-ordered-pages';

interface Session {
  id: number;
  /** What a call must ask for to take this session's next page. */
  expected: string | null;
  /** Pages asked for and not yet taken, in order. */
  ahead: Promise<PageText | null>[];
  lastUsed: number;
}

/** Sessions kept at once: more are abandoned reads (a stopped rebuild), forgotten oldest first. */
const MAX_SESSIONS = 8;

/**
 * Stream-ordered reads with pages read ahead: a call that asks for the page after the one a
 * session last gave takes it from that session (read meanwhile, in the reader thread); any other
 * call starts a session. A session keeps `window` pages asked beyond the one its caller takes,
 * so memory stays a few pages per session; sessions (projections rebuilt side by side) take
 * turns in the thread, which answers in the order asked.
 */
export class StreamReadAhead {
  private readonly sessions = new Map<number, Session>();
  private lastSession = 0;

  constructor(
    private readonly pages: ThreadOrHere<PageRequest, PageText | null>,
    private readonly window = 2,
  ) {}

  async read(after: StreamOrderedCursor | null, options: ReadByStreamOptions): Promise<StreamOrderedPage> {
    const limits: PageLimits = {
      upTo: options.upTo,
      maxStreams: options.maxStreams,
      maxEvents: options.maxEvents,
      includeMetadata: options.includeMetadata !== false,
    };
    const asked = requestKey(after, limits);
    let session = [...this.sessions.values()].find((s) => s.expected === asked);
    let page: PageText | null;
    if (session) {
      try {
        page = await this.take(session);
      } catch {
        // The thread that read ahead failed (it held the session's cursor): read on from here.
        this.end(session);
        session = this.start(after, limits);
        page = await this.take(session);
      }
    } else {
      session = this.start(after, limits);
      page = await this.take(session);
    }
    if (page === null || page.next === null) this.end(session);
    else session.expected = requestKey(page.next, limits);
    return page === null ? { events: [], next: null } : pageOfText(page);
  }

  private start(after: StreamOrderedCursor | null, limits: PageLimits): Session {
    const session: Session = { id: ++this.lastSession, expected: null, ahead: [], lastUsed: 0 };
    session.ahead.push(this.ask({ kind: 'start', session: session.id, after, limits }));
    this.sessions.set(session.id, session);
    this.forgetOldSessions();
    return session;
  }

  /** The session's next page; `window` more are kept asked behind it. */
  private take(session: Session): Promise<PageText | null> {
    session.expected = null;
    session.lastUsed = Date.now();
    // Reading ahead pays only in a thread: here it would read the same pages, only sooner.
    const window = this.pages.threaded ? this.window : 0;
    while (session.ahead.length < window + 1) session.ahead.push(this.ask({ kind: 'next', session: session.id }));
    return session.ahead.shift() as Promise<PageText | null>;
  }

  private ask(request: PageRequest): Promise<PageText | null> {
    const page = this.pages.request(request);
    // Taken later, or never (asked past a session's end, or abandoned): a failure is for whoever takes it.
    page.catch(() => undefined);
    return page;
  }

  private end(session: Session): void {
    this.sessions.delete(session.id);
    void this.ask({ kind: 'end', session: session.id });
  }

  private forgetOldSessions(): void {
    const byAge = [...this.sessions.values()].sort((a, b) => a.lastUsed - b.lastUsed);
    for (const session of byAge.slice(0, Math.max(0, this.sessions.size - MAX_SESSIONS))) this.end(session);
  }
}

function requestKey(after: StreamOrderedCursor | null, limits: PageLimits): string {
  return JSON.stringify([
    after?.stream ?? null,
    after?.afterRevision?.toString() ?? null,
    limits.upTo.toString(),
    limits.maxStreams,
    limits.maxEvents,
    limits.includeMetadata,
  ]);
}
