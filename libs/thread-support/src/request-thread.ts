import { parentPort, type Worker } from 'node:worker_threads';

/**
 * What a thread's work threw, as it crosses to the caller: an Error as `{ name, message, code }`,
 * a plain object (a typed refusal the caller turns back into its error) as is.
 */
export function plainError(error: unknown): unknown {
  if (error instanceof Error || typeof error !== 'object' || error === null) {
    const { name, message, code } = (error ?? {}) as { name?: string; message?: string; code?: string };
    return { name, message: String(message ?? error), code };
  }
  return error;
}

/** plainError undone: an Error as it is, a crossed `{ name, message, code }` as an Error with that code, anything else as its text. */
export function errorOfPlain(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const plain = thrown as { name?: string; message?: unknown; code?: string } | null;
  if (typeof plain?.message !== 'string') return new Error(String(thrown));
  return Object.assign(new Error(plain.message), plain.code === undefined ? {} : { code: plain.code });
}

/**
 * The thread side of RequestThread: answers each `{ id, request }` with `{ id, response }` or
 * `{ id, error }` (see plainError). Work that answers with a promise is done one request at a
 * time too: the next request starts once the previous one is answered, so the order holds.
 */
export function serveRequests<Request, Response>(handle: (request: Request) => Response | Promise<Response>): void {
  if (!parentPort) throw new Error('serveRequests runs in a worker thread');
  const port = parentPort;
  const send = (id: number, outcome: { response: Response } | { error: unknown }) => {
    try {
      port.postMessage({ id, ...outcome });
    } catch (error) {
      port.postMessage({ id, error: plainError(error) });
    }
  };
  /** Settles the request; a promise while its work is under way. */
  const answer = (id: number, request: Request): Promise<void> | null => {
    let response: Response | Promise<Response>;
    try {
      response = handle(request);
    } catch (error) {
      send(id, { error: plainError(error) });
      return null;
    }
    if (!(response instanceof Promise)) {
      send(id, { response });
      return null;
    }
    return response.then(
      (settled) => send(id, { response: settled }),
      (error: unknown) => send(id, { error: plainError(error) }),
    );
  };
  let underWay: Promise<void> | null = null;
  const follow = (work: Promise<void>) => {
    const tail: Promise<void> = work.then(() => {
      if (underWay === tail) underWay = null;
    });
    underWay = tail;
  };
  port.on('message', ({ id, request }: { id: number; request: Request }) => {
    if (underWay) follow(underWay.then(() => answer(id, request) ?? undefined));
    else {
      const work = answer(id, request);
      if (work) follow(work);
    }
  });
}

export interface RequestThreadOptions {
  /** Starts the message of a failure of the thread itself, e.g. "appending to the ledger failed in its writer thread". */
  failurePrefix: string;
  /** What the work threw, as the caller's error: from the thread as plainError made it, done here as thrown (default errorOfPlain). */
  errorOf?: (plain: unknown) => Error;
}

/**
 * Requests to a worker thread that serves them (serveRequests), answered in the order given: the
 * caller goes on while the thread works. The thread is unref'd while nothing is under way, so it
 * never holds the process open. If the thread itself fails (it cannot start, it throws outside a
 * request, it exits), that request and every later one are rejected with the reason.
 */
export class RequestThread<Request, Response> {
  private lastId = 0;
  /** The requests given and not yet answered: how each ends, and its promise (for idle()). */
  private readonly pending = new Map<number, { resolve: (response: Response) => void; reject: (error: Error) => void; done: Promise<Response> }>();
  private failure: Error | null = null;
  private closing = false;

  constructor(
    private readonly worker: Worker,
    private readonly options: RequestThreadOptions,
  ) {
    this.worker.unref();
    this.worker.on('message', ({ id, response, error }: { id: number; response?: Response; error?: unknown }) => {
      const waiting = this.pending.get(id);
      if (!waiting) return;
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker.unref();
      if (error === undefined) waiting.resolve(response as Response);
      else waiting.reject((options.errorOf ?? errorOfPlain)(error));
    });
    this.worker.on('error', (error) => this.fail(error.message));
    this.worker.on('exit', (code) => this.fail(`the thread stopped (exit code ${code})`));
  }

  request(request: Request): Promise<Response> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.lastId;
    let settle!: { resolve: (response: Response) => void; reject: (error: Error) => void };
    const done = new Promise<Response>((resolve, reject) => (settle = { resolve, reject }));
    try {
      this.worker.postMessage({ id, request });
    } catch (error) {
      // Not sendable (a function, a symbol): this request fails, the thread is fine.
      return Promise.reject(new Error(`${this.options.failurePrefix}: the request could not be sent to the thread: ${(error as Error).message}`));
    }
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(id, { ...settle, done });
    return done;
  }

  /** The thread failed (not closed): every request given to it from now on is refused. */
  get broken(): boolean {
    return this.failure !== null && !this.closing;
  }

  /** Requests given and not yet answered. */
  get underWay(): number {
    return this.pending.size;
  }

  /** Resolves once every request given so far is done (answered or failed). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.pending.values()].map((request) => request.done));
  }

  /** Requests not yet answered are rejected: whether a write was committed is for a retry (or the next run) to find. */
  private fail(reason: string): void {
    this.failure ??= new Error(`${this.options.failurePrefix}: ${reason}`);
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }

  /** Waits for the requests under way, then stops the thread; later requests are refused with the reason. */
  async close(reason = 'it was closed'): Promise<void> {
    this.closing = true;
    await this.idle();
    this.worker.removeAllListeners('exit');
    this.fail(reason);
    await this.worker.terminate();
  }
}
