import { parentPort, type Worker } from 'node:worker_threads';

/**
 * The thread side of RequestThread: answers each `{ id, request }` with `{ id, response }`, or
 * `{ id, error }` where a thrown Error crosses as `{ message, code }` and a plain object (a typed
 * refusal) as is. For worker scripts that can import it (compiled ones); an eval'd source
 * carries the same few lines.
 */
export function serveRequests<Request, Response>(handle: (request: Request) => Response): void {
  if (!parentPort) throw new Error('serveRequests runs in a worker thread');
  const port = parentPort;
  port.on('message', ({ id, request }: { id: number; request: Request }) => {
    try {
      port.postMessage({ id, response: handle(request) });
    } catch (error) {
      port.postMessage({ id, error: plainError(error) });
    }
  });
}

export function plainError(error: unknown): unknown {
  if (error instanceof Error || typeof error !== 'object' || error === null) {
    return { message: String((error as Error | null)?.message ?? error), code: (error as { code?: string } | null)?.code };
  }
  return error;
}

export interface RequestThreadOptions {
  /** Starts the message of a failure of the thread itself, e.g. "appending to the ledger failed in its writer thread". */
  failurePrefix: string;
  /** What the thread answered as an error, back into the caller's error. */
  errorOf: (plain: unknown) => Error;
}

/**
 * Requests to a worker thread, answered in the order given: the caller goes on while the thread
 * works. The thread is unref'd while nothing is under way, so it never holds the process open.
 * If the thread itself fails, that request and every later one are rejected with the reason.
 */
export class RequestThread<Request, Response> {
  private lastId = 0;
  /** The requests given and not yet answered: how each ends, and its promise (for idle()). */
  private readonly pending = new Map<number, { resolve: (response: Response) => void; reject: (error: Error) => void; done: Promise<Response> }>();
  private failure: Error | null = null;
  private closing = false;

  constructor(private readonly worker: Worker, private readonly options: RequestThreadOptions) {
    this.worker.unref();
    this.worker.on('message', ({ id, response, error }: { id: number; response?: Response; error?: unknown }) => {
      const waiting = this.pending.get(id);
      if (!waiting) return;
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker.unref();
      if (error === undefined) waiting.resolve(response as Response);
      else waiting.reject(options.errorOf(error));
    });
    this.worker.on('error', (error) => this.fail(error.message));
    this.worker.on('exit', (code) => this.fail(`the thread stopped (exit code ${code})`));
  }

  request(request: Request): Promise<Response> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.lastId;
    if (this.pending.size === 0) this.worker.ref();
    let settle!: { resolve: (response: Response) => void; reject: (error: Error) => void };
    const done = new Promise<Response>((resolve, reject) => (settle = { resolve, reject }));
    this.pending.set(id, { ...settle, done });
    this.worker.postMessage({ id, request });
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

  /** Waits for the requests under way, then stops the thread. */
  async close(reason = 'it was closed'): Promise<void> {
    this.closing = true;
    await this.idle();
    this.worker.removeAllListeners('exit');
    this.fail(reason);
    await this.worker.terminate();
  }
}
