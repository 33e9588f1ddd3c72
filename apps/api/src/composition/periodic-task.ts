/**
 * A task run every interval, one run at a time (a slow run delays the next, never overlaps
 * it), optionally once at start; `stop` clears the timer and waits for the run under way.
 * The timer does not keep the process alive. The task reports its own failures (log, metric):
 * one that throws anyway does not stop the next runs.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
  ) {}

  start({ runAtOnce = false } = {}): void {
    const schedule = () => {
      this.running = this.running.then(() => this.task()).catch(() => undefined);
    };
    if (runAtOnce) schedule();
    this.timer = setInterval(schedule, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
