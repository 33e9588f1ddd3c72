import type { ThreadOrHere } from '@loyalty/thread-support';
import type { ReadByStreamOptions, StreamOrderedCursor, StreamOrderedPage } from '../port/event-store.port';
import { pageOfText, type PageLimits, type PageRequest, type PageText } from './stream-ordered-pages';

interface Session {
  /** What a call must ask for to take this session's next page. */
  expected: string | null;
  /** Pages asked for and not yet taken, in order; each one asked once the one before it came. */
  ahead: Promise<PageText | null>[];
  lastUsed: number;
}

/** Sessions kept at once: more are abandoned reads (a stopped rebuild), forgotten oldest first. */
const MAX_SESSIONS = 8;

/**
 * Stream-ordered reads with pages read ahead: a call that asks for the page after the one a
 * session last gave takes it from that session (read meanwhile, in the reader thread); any other
 * call starts a session. Each session keeps at most `window` pages asked ahead of its caller, so
 * memory stays a few pages per session; sessions (projections rebuilt side by side) take turns
 * in the thread, which answers in the order asked.
 */
export class StreamReadAhead {
  private readonly sessions = new Set<Session>();

  constructor(
    private readonly pages: ThreadOrHere<PageRequest, PageText>,
    private readonly window = 2,
  ) {}

  async read(after: StreamOrderedCursor | null, options: ReadByStreamOptions): Promise<StreamOrderedPage> {
    const limits: PageLimits = { upTo: options.upTo, maxStreams: options.maxStreams, maxEvents: options.maxEvents, includeMetadata: options.includeMetadata !== false };
    const asked = requestKey(after, limits);
    let session = [...this.sessions].find((s) => s.expected === asked);
    if (!session) {
      session = { expected: null, ahead: [this.ask({ after, limits })], lastUsed: 0 };
      this.sessions.add(session);
      this.forgetOldSessions();
    }
    session.expected = null;
    session.lastUsed = Date.now();
    this.askAhead(session, limits);
    let page: PageText | null;
    try {
      page = await (session.ahead.shift() as Promise<PageText | null>);
    } catch (error) {
      this.sessions.delete(session);
      throw error;
    }
    if (page === null || page.next === null) this.sessions.delete(session);
    else session.expected = requestKey(page.next, limits);
    return page === null ? { events: [], next: null } : pageOfText(page);
  }

  /** The page to take and up to `window` more asked, each after the one before it (its cursor comes with it). */
  private askAhead(session: Session, limits: PageLimits): void {
    while (session.ahead.length < this.window + 1) {
      const previous = session.ahead[session.ahead.length - 1];
      session.ahead.push(previous.then((page) => (page?.next ? this.ask({ after: page.next, limits }) : null)));
      // Taken later, or never (an abandoned session): a failure is reported to whoever takes it.
      session.ahead[session.ahead.length - 1].catch(() => undefined);
    }
  }

  private ask(request: PageRequest): Promise<PageText | null> {
    const page = this.pages.request(request);
    page.catch(() => undefined);
    return page;
  }

  private forgetOldSessions(): void {
    const byAge = [...this.sessions].sort((a, b) => a.lastUsed - b.lastUsed);
    for (const session of byAge.slice(0, Math.max(0, this.sessions.size - MAX_SESSIONS))) this.sessions.delete(session);
  }
}

function requestKey(after: StreamOrderedCursor | null, limits: PageLimits): string {
  return JSON.stringify([after?.stream ?? null, after?.afterRevision?.toString() ?? null, limits.upTo.toString(), limits.maxStreams, limits.maxEvents, limits.includeMetadata]);
}
