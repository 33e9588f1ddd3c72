import type { CommandEnvelope, LedgerWriter } from '@loyalty/ledger-application';
import type { ProjectionStore } from '@loyalty/projection-runner';
import { balancesProjection, projectionKey } from '@loyalty/read-models';
import type { ExpiryRunRecord, OperationsStore } from '../operations-store/operations-store.port';

/** What one batch of a run did. */
export interface ExpiryBatchReport {
  runId: string;
  accounts: number;
  lotsExpired: number;
  pointsExpired: number;
}

export interface ExpiryJobOptions {
  /**
   * Accounts decided per batch (one ledger batch each). The job yields to the event loop between
   * batches, so live requests and ingestion wait at most about one batch.
   */
  batchSize?: number;
  onBatch?(run: ExpiryRunRecord, batch: ExpiryBatchReport): void;
  onRunCompleted?(run: ExpiryRunRecord): void;
}

const BALANCES = projectionKey(balancesProjection);

/** Injection token of the process's expiry job, where this process runs it (the projector role). */
export const EXPIRY_JOB = Symbol('EXPIRY_JOB');

/**
 * The program-wide expiry job: finds every account with a lot due (the balances read model's
 * `nextExpiryAtMs`), and records the expiry of what is left of its due lots through the ledger's
 * one write path, in batches. Each entry is dated at its lot's own expiry instant (the domain
 * decides that), so the books are right for every date however late the job runs.
 *
 * A run is named by its cut-off (`expiry-<cutoff>`), which every entry it writes carries (and
 * its event ids derive from): a run is recorded in the operations store before it starts, its
 * progress after each batch, and a process killed mid-run resumes the same run with the same
 * cut-off. Nothing expires twice: an expired lot has nothing left, so deciding an account again
 * is a no-op; and of two instances, only one starts a run (compare-and-set on the latest).
 */
export class ExpiryJob {
  private readonly batchSize: number;
  /** The run this process is doing, if any: a second request joins it rather than running it twice. */
  private current: { run: ExpiryRunRecord; done: Promise<ExpiryRunRecord> } | null = null;

  constructor(
    private readonly writer: LedgerWriter,
    private readonly projections: ProjectionStore,
    private readonly operations: OperationsStore,
    private readonly clock: () => Date,
    private readonly options: ExpiryJobOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
  }

  /** Resumes the unfinished run, or starts one at now; completes it. Null if another instance started a run first. */
  async runOnce(): Promise<ExpiryRunRecord | null> {
    const started = await this.start();
    return started ? started.done : null;
  }

  /**
   * Starts a run (or joins the one this process is doing) and answers once it is recorded, with
   * `done` for its end. Null if another instance started a run first.
   */
  async start(): Promise<{ run: ExpiryRunRecord; done: Promise<ExpiryRunRecord> } | null> {
    if (this.current) return this.current;
    const run = await this.runToDo();
    if (!run) return null;
    if (this.current) return this.current; // started meanwhile by another caller of this process
    const done = this.complete(run).finally(() => (this.current = null));
    done.catch(() => undefined); // the caller of runOnce gets the failure; start's caller may only poll
    this.current = { run, done };
    return this.current;
  }

  private async complete(started: ExpiryRunRecord): Promise<ExpiryRunRecord> {
    let run = started;
    const cutoffMs = Date.parse(run.cutoff);
    for (;;) {
      const customers = await this.projections.keysWithHeadAtMost(BALANCES, {
        field: 'nextExpiryAtMs',
        atMost: cutoffMs,
        afterKey: run.afterCustomer,
        limit: this.batchSize,
      });
      if (customers.length === 0) break;
      const batch = await this.expire(run, customers);
      run = {
        ...run,
        accounts: run.accounts + batch.accounts,
        lotsExpired: run.lotsExpired + batch.lotsExpired,
        pointsExpired: run.pointsExpired + batch.pointsExpired,
        afterCustomer: customers[customers.length - 1],
      };
      await this.operations.saveExpiryRun(run, run.runId);
      this.options.onBatch?.(run, batch);
      await new Promise((resolve) => setImmediate(resolve)); // let live work in between batches
    }
    const completedAt = this.clock().toISOString();
    run = { ...run, status: 'completed', completedAt };
    // The audit trail tells of runs that expired something; the empty ones every interval would bury it.
    const audit =
      run.lotsExpired > 0
        ? {
            at: completedAt,
            actor: 'expiry-job',
            action: 'expiry.run-completed',
            subject: run.runId,
            details: { cutoff: run.cutoff, accounts: run.accounts, lotsExpired: run.lotsExpired, pointsExpired: run.pointsExpired },
          }
        : undefined;
    await this.operations.saveExpiryRun(run, run.runId, audit);
    this.options.onRunCompleted?.(run);
    return run;
  }

  /** The run under way (a process was stopped or killed mid-run), or a new one at now. */
  private async runToDo(): Promise<ExpiryRunRecord | null> {
    const latest = await this.operations.latestExpiryRun();
    if (latest && latest.status === 'running') return latest;
    const cutoff = this.clock().toISOString();
    const run: ExpiryRunRecord = {
      runId: `expiry-${cutoff}`,
      cutoff,
      status: 'running',
      startedAt: cutoff,
      completedAt: null,
      accounts: 0,
      lotsExpired: 0,
      pointsExpired: 0,
      afterCustomer: '',
    };
    return (await this.operations.saveExpiryRun(run, latest?.runId ?? null)) ? run : null;
  }

  private async expire(run: ExpiryRunRecord, customers: string[]): Promise<ExpiryBatchReport> {
    const envelopes: CommandEnvelope[] = customers.map((customerId) => ({
      command: { type: 'ExpirePoints', customerId, expiryRunId: run.runId, asOf: run.cutoff },
      provenance: { channel: 'system', job: run.runId },
    }));
    const report: ExpiryBatchReport = { runId: run.runId, accounts: customers.length, lotsExpired: 0, pointsExpired: 0 };
    for (const result of await this.writer.executeBatch(envelopes)) {
      if (result.status === 'rejected')
        throw new Error(`expiry of ${result.customerId} in ${run.runId} was rejected: ${result.rejection.code} ${result.rejection.message}`);
      if (result.status !== 'accepted') continue;
      for (const event of result.decided) {
        if (event.type !== 'PointsExpired') continue;
        report.lotsExpired += event.lots.length;
        report.pointsExpired += event.points;
      }
    }
    return report;
  }
}
