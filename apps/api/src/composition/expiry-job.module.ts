import { Global, Inject, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { CLOCK, LedgerWriter, LedgerWriterModule, type Clock } from '@loyalty/ledger-application';
import { LoyaltyMetrics } from '@loyalty/http-platform';
import { EXPIRY_JOB, ExpiryJob, OPERATIONS_STORE, type OperationsStore } from '@loyalty/program-operations';
import { PROJECTION_STORE, type ProjectionStore } from '@loyalty/projection-runner';
import { PeriodicTask } from './periodic-task';

const EXPIRY_INTERVAL_MS = Symbol('EXPIRY_INTERVAL_MS');

/** Runs the program-wide expiry job every interval (and once at start), one run at a time. */
class ExpirySchedule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('expiry-job');
  private readonly schedule: PeriodicTask;

  constructor(
    @Inject(EXPIRY_JOB) private readonly job: ExpiryJob,
    private readonly metrics: LoyaltyMetrics,
    @Inject(EXPIRY_INTERVAL_MS) intervalMs: number,
  ) {
    this.schedule = new PeriodicTask(intervalMs, () => this.runOnce());
  }

  onApplicationBootstrap(): void {
    this.schedule.start({ runAtOnce: true }); // a run killed mid-way resumes at once
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.schedule.stop();
  }

  private async runOnce(): Promise<void> {
    try {
      if ((await this.job.runOnce()) === null) {
        this.metrics.expiryRuns.inc({ outcome: 'skipped' });
        this.logger.warn({ msg: 'another instance started the expiry run first: run one projector (or one expiry job) per deployment' });
      }
    } catch (error) {
      this.metrics.expiryRuns.inc({ outcome: 'failed' });
      this.logger.error({ msg: 'expiry run failed; it resumes at the next interval', error: (error as Error).message });
    }
  }
}

/** The job, with its metrics and logs (also what POST /v1/expiry-runs starts). */
function expiryJob(writer: LedgerWriter, projections: ProjectionStore, operations: OperationsStore, clock: Clock, metrics: LoyaltyMetrics): ExpiryJob {
  const logger = new Logger('expiry-job');
  return new ExpiryJob(writer, projections, operations, () => clock.now(), {
    onBatch: (run, batch) => {
      metrics.expiryAccounts.inc(batch.accounts);
      metrics.expiryLots.inc(batch.lotsExpired);
      metrics.expiryPoints.inc(batch.pointsExpired);
      logger.log({
        msg: 'expiry run progress',
        runId: run.runId,
        cutoff: run.cutoff,
        accounts: run.accounts,
        lotsExpired: run.lotsExpired,
        pointsExpired: run.pointsExpired,
        afterCustomer: run.afterCustomer,
      });
    },
    onRunCompleted: (run) => {
      metrics.expiryRuns.inc({ outcome: 'completed' });
      metrics.expiryLastCompleted.set(Date.parse(run.cutoff) / 1000);
      logger.log({
        msg: 'expiry run completed',
        runId: run.runId,
        cutoff: run.cutoff,
        accounts: run.accounts,
        lotsExpired: run.lotsExpired,
        pointsExpired: run.pointsExpired,
      });
    },
  });
}

@Global()
@Module({})
export class ExpiryJobModule {
  /** The job, run every `seconds` (0: only when asked, by POST /v1/expiry-runs). */
  static every(seconds: number): DynamicModule {
    return {
      module: ExpiryJobModule,
      imports: [LedgerWriterModule],
      providers: [
        { provide: EXPIRY_JOB, inject: [LedgerWriter, PROJECTION_STORE, OPERATIONS_STORE, CLOCK, LoyaltyMetrics], useFactory: expiryJob },
        ...(seconds > 0 ? [{ provide: EXPIRY_INTERVAL_MS, useValue: seconds * 1000 }, ExpirySchedule] : []),
      ],
      exports: [EXPIRY_JOB],
    };
  }
}
