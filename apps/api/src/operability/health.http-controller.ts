import { Controller, Get, Inject, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';
import type { EventStore } from '@loyalty/event-store';
import { AccountStatesKeeper, EVENT_STORE } from '@loyalty/ledger-application';
import { PublicRoute, type HttpReply } from '@loyalty/http-platform';
import { LedgerIngestionConsumer } from '@loyalty/kafka-ingestion';
import { ProjectorLifecycle } from '../composition/projections.module';
import { PROJECTION_STORE, type ProjectionStore } from '@loyalty/projection-runner';
import { balancesProjection, projectionKey } from '@loyalty/read-models';

const CHECK_TIMEOUT_MS = 2_000;

/**
 * Liveness and readiness, for orchestrators and load balancers (public, never behind a key):
 * live says the process answers; ready says it can do its work: the ledger and the read store
 * answer, the Kafka consumer (where this process runs one) is in its group and its last
 * batch went through, and the account cache has warmed after the start. A consumer that cannot progress makes the instance not ready (503), with why.
 */
@ApiExcludeController()
@Controller('health')
export class HealthHttpController {
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly ledger: EventStore,
    @Optional() @Inject(PROJECTION_STORE) private readonly projections?: ProjectionStore,
    @Optional() private readonly consumer?: LedgerIngestionConsumer,
    @Optional() private readonly accountStates?: AccountStatesKeeper,
    @Optional() private readonly projector?: ProjectorLifecycle,
  ) {}

  @Get('live')
  @PublicRoute()
  async live(): Promise<HealthCheckResult & { startedAt: string }> {
    return { ...(await this.health.check([])), startedAt: this.startedAt };
  }

  @Get('ready')
  @PublicRoute()
  ready(@Res({ passthrough: true }) response: HttpReply): Promise<HealthCheckResult> {
    return this.readiness(response);
  }

  /** The readiness answer (kept at /health for load balancers configured before /health/ready). */
  @Get()
  @PublicRoute()
  async summary(@Res({ passthrough: true }) response: HttpReply): Promise<HealthCheckResult & { ledgerPosition?: string; startedAt: string }> {
    const result = await this.readiness(response);
    const position = result.details.ledger?.position;
    return { ...result, ...(typeof position === 'string' ? { ledgerPosition: position } : {}), startedAt: this.startedAt };
  }

  private async readiness(response: HttpReply): Promise<HealthCheckResult> {
    const checks = [
      () => this.ledgerAnswers(),
      ...(this.projections ? [() => this.readStoreAnswers()] : []),
      ...(this.projector ? [() => this.projectionsCaughtUp()] : []),
      ...(this.consumer ? [() => this.consumerProgresses()] : []),
      ...(this.accountStates ? [() => this.accountCacheWarm()] : []),
    ];
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // The check's own body (what is down, and why), not a problem document: probes and people read it.
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private ledgerAnswers(): Promise<HealthIndicatorResult> {
    return this.answers('ledger', async () => {
      const problems = this.ledger.integrityProblems ?? [];
      if (problems.length > 0) throw new Error(`writes refused: the ledger's safeguards were changed (${problems.join('; ')})`);
      return { position: (await this.ledger.headPosition()).toString() };
    });
  }

  private readStoreAnswers(): Promise<HealthIndicatorResult> {
    const store = this.projections as ProjectionStore;
    return this.answers('readStore', async () => ({ balancesAt: (await store.checkpoint(projectionKey(balancesProjection))).toString() }));
  }

  /** Up with what `probe` says if it answers within the timeout; down with why otherwise. */
  private async answers(key: string, probe: () => Promise<Record<string, unknown>>): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)),
    );
    try {
      return session.up(await Promise.race([probe(), timeout]));
    } catch (error) {
      return session.down({ message: (error as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Not ready while the projections catch up after a start: read-side queries answer what is applied so far. */
  private async projectionsCaughtUp(): Promise<HealthIndicatorResult> {
    const projector = this.projector as ProjectorLifecycle;
    const session = this.indicators.check('projections');
    const details = { state: projector.caughtUp ? 'following' : 'catching-up', position: projector.position().toString() };
    return projector.caughtUp ? session.up(details) : session.down(details);
  }

  /** Not ready while the account cache warms after a start: reads are served, but folded on demand (slower) until it is warm. */
  private async accountCacheWarm(): Promise<HealthIndicatorResult> {
    const status = (this.accountStates as AccountStatesKeeper).status();
    const session = this.indicators.check('accountCache');
    return status.state === 'warming' ? session.down(status) : session.up(status);
  }

  private async consumerProgresses(): Promise<HealthIndicatorResult> {
    const health = (this.consumer as LedgerIngestionConsumer).health();
    const session = this.indicators.check('kafka');
    const details = {
      state: health.state,
      assignment: health.assignment,
      lag: health.lag,
      consecutiveFailures: health.consecutiveFailures,
      lastFailure: health.lastFailure,
      restarts: health.restarts,
      lastBatchAt: health.lastBatchAt,
    };
    return health.state === 'consuming' ? session.up(details) : session.down(details);
  }
}
