import { errorOfPlain, RequestThread, type RequestThreadOptions } from './request-thread';
import { startWorkerModule } from './worker-module';

export interface ThreadOrHereOptions<Request, Response> extends RequestThreadOptions {
  /** The worker module (path without extension) and its workerData; null: no thread (an in-memory database, turned off). */
  worker: { module: string; data?: Record<string, unknown> } | null;
  /** The same work in the calling thread. */
  here: (request: Request) => Response;
  /**
   * Whether a request is worth crossing to the thread (default: every one). The thread starts at
   * the first request that is. While it has work under way every request goes to it: order is kept.
   */
  worthTheThread?: (request: Request) => boolean;
  /**
   * The request a failing thread had is done again here. Only for work without effects (a read,
   * a decode); a write fails with the thread's reason and is for its caller to retry.
   */
  redoHereOnThreadFailure?: boolean;
  /** Told once, when the thread fails. */
  onThreadFailure?: (error: Error) => void;
}

/**
 * The one way this project uses a worker thread: work done in the thread when it pays, in the
 * calling thread otherwise, with the same result. A thread that fails is not restarted: the work
 * goes on here from then on, so a broken thread never stops ingestion or reads.
 */
export class ThreadOrHere<Request, Response> {
  private thread: RequestThread<Request, Response> | null = null;
  private threadFailed = false;
  private closedWith: Error | null = null;

  constructor(private readonly options: ThreadOrHereOptions<Request, Response>) {}

  async request(request: Request): Promise<Response> {
    if (this.closedWith) throw this.closedWith;
    const thread = this.threadFor(request);
    if (!thread) return this.doHere(request);
    try {
      return await thread.request(request);
    } catch (error) {
      if (!thread.broken) throw error; // the work's own answer (a refusal), or closed meanwhile
      this.threadFailure(thread, error as Error);
      if (this.options.redoHereOnThreadFailure) return this.doHere(request);
      throw error;
    }
  }

  /** What the work throws here becomes the caller's error as it would from the thread. */
  private doHere(request: Request): Response {
    try {
      return this.options.here(request);
    } catch (error) {
      throw (this.options.errorOf ?? errorOfPlain)(error);
    }
  }

  /** Resolves once the work under way in the thread is done. */
  async idle(): Promise<void> {
    await this.thread?.idle();
  }

  /** Whether work worth a thread goes to one (there is a thread to use and it has not failed). */
  get threaded(): boolean {
    return this.options.worker !== null && !this.threadFailed;
  }

  private threadFor(request: Request): RequestThread<Request, Response> | null {
    const { worker, worthTheThread } = this.options;
    if (worker === null || this.threadFailed) return null;
    const worth = worthTheThread?.(request) ?? true;
    if (!worth && (this.thread === null || this.thread.underWay === 0)) return null;
    this.thread ??= this.startThread(worker);
    return this.thread;
  }

  private startThread(worker: { module: string; data?: Record<string, unknown> }): RequestThread<Request, Response> {
    const { failurePrefix, errorOf } = this.options;
    return new RequestThread(startWorkerModule(worker.module, worker.data), { failurePrefix, errorOf });
  }

  private threadFailure(thread: RequestThread<Request, Response>, error: Error): void {
    if (this.threadFailed) return;
    this.threadFailed = true;
    this.options.onThreadFailure?.(error);
    void thread.close().catch(() => undefined);
  }

  /** Waits for the work under way in the thread, then stops it; later requests are refused with the reason. */
  async close(reason = 'it was closed'): Promise<void> {
    this.closedWith ??= new Error(`${this.options.failurePrefix}: ${reason}`);
    await this.thread?.close(reason);
  }
}
