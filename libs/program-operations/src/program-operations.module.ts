import { Global, Inject, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventStore } from '@loyalty/event-store';
import { CLOCK, EVENT_STORE, LedgerWriter, LedgerWriterModule, type Clock } from '@loyalty/ledger-application';
import { READ_VIEW } from '@loyalty/loyalty-analytics';
import { PROJECTION_STORE, type ProjectionStore } from '@loyalty/projection-runner';
import {
  ExpiryRunsHttpController,
  OperationsAuditTrailHttpController,
  ReplaysHttpController,
  ReRatingsHttpController,
  RulesHttpController,
} from './http/operations.http-controllers';
import { OPERATIONS_STORE, type OperationsStore } from './operations-store/operations-store.port';
import { ReRatingService } from './re-rating/re-rating.service';
import { ReplayService, type ReplayServiceOptions } from './replays/replay-service';
import { OperationsReadView } from './replays/operations-read-view';
import { RulesCatalog } from './rules-lifecycle/rules-catalog';

const REPLAY_ADMISSION = Symbol('REPLAY_ADMISSION');

/** How many replays may catch up at once, and the throttle of one started without its own. */
export type ReplayAdmission = Pick<ReplayServiceOptions, 'maxConcurrent' | 'defaultThrottleEventsPerSecond'>;

/** Resumes replays after a restart (those no other instance runs), takes over orphaned ones, and stops and releases them on shutdown. */
class ReplayLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(ReplayService) private readonly replays: ReplayService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.replays.resumeAll();
    // With several instances on one operations store, an instance that dies leaves its replays to the others.
    this.replays.takeOverOrphans();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.replays.stop();
  }
}

/**
 * Operations over HTTP: rules lifecycle, replays (shadow rebuild, impact, promote, roll back),
 * re-ratings, the audit trail. Needs OPERATIONS_STORE, RulesCatalog and READ_VIEW (an
 * OperationsReadView) from the composition root, and the read store.
 */
@Global()
@Module({
  imports: [LedgerWriterModule],
  controllers: [RulesHttpController, ReplaysHttpController, ReRatingsHttpController, OperationsAuditTrailHttpController, ExpiryRunsHttpController],
  providers: [
    {
      provide: ReplayService,
      inject: [EVENT_STORE, PROJECTION_STORE, OPERATIONS_STORE, RulesCatalog, READ_VIEW, CLOCK, REPLAY_ADMISSION],
      useFactory: (
        ledger: EventStore,
        projections: ProjectionStore,
        operations: OperationsStore,
        catalog: RulesCatalog,
        view: OperationsReadView,
        clock: Clock,
        admission: ReplayAdmission,
      ) => new ReplayService(ledger, projections, operations, catalog, view, () => clock.now(), admission),
    },
    {
      provide: ReRatingService,
      inject: [EVENT_STORE, PROJECTION_STORE, LedgerWriter, OPERATIONS_STORE, RulesCatalog, CLOCK],
      useFactory: (ledger: EventStore, projections: ProjectionStore, writer: LedgerWriter, operations: OperationsStore, catalog: RulesCatalog, clock: Clock) =>
        new ReRatingService(ledger, projections, writer, operations, catalog, () => clock.now()),
    },
    ReplayLifecycle,
  ],
  exports: [ReplayService, ReRatingService],
})
export class ProgramOperationsModule {
  static forConfig(admission: ReplayAdmission): DynamicModule {
    return { module: ProgramOperationsModule, providers: [{ provide: REPLAY_ADMISSION, useValue: admission }] };
  }
}
