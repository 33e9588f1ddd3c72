import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { EventStore } from '@loyalty/event-store';
import { EVENT_STORE, LedgerWriter } from '@loyalty/ledger-application';
import { LoyaltyMetrics, PublicRoute } from '@loyalty/http-platform';

/** Health for load balancers and metrics for Prometheus: public, never behind a key. */
@ApiExcludeController()
@Controller()
export class OperabilityHttpController {
  private readonly startedAt = new Date().toISOString();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: LoyaltyMetrics,
    private readonly writer: LedgerWriter,
  ) {}

  @Get('health')
  @PublicRoute()
  async health(): Promise<{ status: 'ok'; ledgerPosition: string; startedAt: string }> {
    // Reading the head proves the ledger store answers.
    const head = await this.store.headPosition();
    return { status: 'ok', ledgerPosition: head.toString(), startedAt: this.startedAt };
  }

  @Get('metrics')
  @PublicRoute()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    this.metrics.cachedAccounts.set(this.writer.cachedAccounts);
    return this.metrics.registry.metrics();
  }
}
