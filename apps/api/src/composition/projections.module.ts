import { Global, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventStore } from '@loyalty/event-store';
import { EVENT_STORE } from '@loyalty/ledger-application';
import { LoyaltyMetrics } from '@loyalty/http-platform';
import {
  PostgresProjectionStore,
  PROJECTION_PROGRESS,
  PROJECTION_STORE,
  ProjectionRunner,
  SqliteProjectionStore,
  StaleProjectionWriterError,
  type ProjectionProgress,
  type ProjectionStore,
} from '@loyalty/projection-runner';
import { PROJECTION_REGISTRY, projectionKey } from '@loyalty/read-models';
import { AppConfig, dataFile } from '../config/app-config';

/** Runs the projections (one runner each, single writer) beside the app, from their checkpoints. */
export class ProjectorLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, ProjectionProgress {
  private readonly logger = new Logger('projector');
  constructor(
    private readonly runners: ProjectionRunner<unknown>[],
    private readonly store: ProjectionStore,
    private readonly metrics: LoyaltyMetrics,
  ) {}

  /** False until every projection has caught up after the start (readiness says so meanwhile). */
  caughtUp = false;
  private starting: Promise<void> = Promise.resolve();
  private stopping = false;

  /**
   * Catches up in the background: HTTP serves meanwhile (the account answers do not come from
   * the read models; read-side queries answer what is applied, `waitForPosition` waits).
   */
  onApplicationBootstrap(): void {
    this.starting = this.catchUpAndFollow();
  }

  private async catchUpAndFollow(): Promise<void> {
    for (const runner of this.runners) {
      if (this.stopping) return;
      const started = Date.now();
      try {
        await runner.start();
      } catch (error) {
        this.logger.error({
          msg: 'projection could not start; it resumes from its checkpoint on restart',
          projection: runner.key,
          error: (error as Error).message,
        });
        continue;
      }
      this.metrics.projectionPosition.set({ projection: runner.key }, Number(runner.checkpoint));
      this.logger.log({
        msg: 'projection caught up, following live',
        projection: runner.key,
        position: runner.checkpoint.toString(),
        ms: Date.now() - started,
      });
    }
    this.caughtUp = true;
  }

  position(): bigint {
    return this.runners.reduce((min, r) => (r.checkpoint < min ? r.checkpoint : min), this.runners[0]?.checkpoint ?? 0n);
  }

  async waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    const results = await Promise.all(this.runners.map((r) => r.waitFor(position, timeoutMs)));
    return results.every(Boolean);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const runner of this.runners) await runner.stop();
    await this.starting;
    await this.store.close();
  }
}

/**
 * Progress where this process runs no projector (an API beside a shared read store): the stored
 * checkpoints. It owns the store here, so it closes it (a PostgreSQL pool) at shutdown.
 */
class StoredCheckpointProgress implements ProjectionProgress, BeforeApplicationShutdown {
  private last = 0n;
  constructor(private readonly store: ProjectionStore) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.store.close();
  }

  position(): bigint {
    return this.last;
  }

  async waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const checkpoints = await Promise.all(PROJECTION_REGISTRY.map((p) => this.store.checkpoint(projectionKey(p))));
      this.last = checkpoints.reduce((min, c) => (c < min ? c : min));
      if (this.last >= position) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The read store, as configured (also used by the CLI). */
export function openProjectionStore(config: AppConfig): ProjectionStore {
  if (config.READ_MODEL_STORE === 'postgres') return new PostgresProjectionStore(config.READ_MODEL_POSTGRES_URL ?? '', config.READ_MODEL_POSTGRES_SCHEMA);
  return new SqliteProjectionStore(config.LEDGER_STORE === 'memory' ? ':memory:' : dataFile(config, 'read-models.sqlite'), {
    onThreadFailure: (error) =>
      new Logger('read-models').error({ msg: 'the read store writer thread failed: commits go on in the main thread', error: error.message }),
  });
}

@Global()
@Module({})
export class ProjectionsModule {
  /** The read store, with the projector running beside it (runProjector) or not (an API reading a shared store). */
  static forConfig(config: AppConfig, options: { runProjector: boolean }): DynamicModule {
    const store = openProjectionStore(config);
    if (!options.runProjector) {
      const progress = new StoredCheckpointProgress(store);
      return {
        module: ProjectionsModule,
        providers: [
          { provide: PROJECTION_STORE, useValue: store },
          { provide: PROJECTION_PROGRESS, useValue: progress },
        ],
        exports: [PROJECTION_STORE, PROJECTION_PROGRESS],
      };
    }
    return {
      module: ProjectionsModule,
      providers: [
        { provide: PROJECTION_STORE, useValue: store },
        {
          provide: ProjectorLifecycle,
          inject: [EVENT_STORE, LoyaltyMetrics],
          useFactory: (events: EventStore, metrics: LoyaltyMetrics) => {
            const logger = new Logger('projector');
            const runners = PROJECTION_REGISTRY.map(
              (projection) =>
                new ProjectionRunner(events, store, projection, {
                  onBatch: (key, count, position) => {
                    metrics.projectionEvents.inc({ projection: key }, count);
                    metrics.projectionPosition.set({ projection: key }, Number(position));
                    void events.headPosition().then((head) => metrics.projectionLag.set({ projection: key }, Number(head - position)));
                  },
                  onError: (error) =>
                    logger.error({
                      msg:
                        error instanceof StaleProjectionWriterError
                          ? 'another projector claimed this projection, so this one stopped writing it: run exactly one projector'
                          : 'projection failed; it resumes from its checkpoint on restart',
                      projection: projection.name,
                      error: (error as Error).message,
                    }),
                }),
            );
            return new ProjectorLifecycle(runners, store, metrics);
          },
        },
        { provide: PROJECTION_PROGRESS, useExisting: ProjectorLifecycle },
      ],
      exports: [PROJECTION_STORE, PROJECTION_PROGRESS, ProjectorLifecycle],
    };
  }
}
