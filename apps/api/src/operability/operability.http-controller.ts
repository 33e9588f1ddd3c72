import { Controller, Get, Header, Optional } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AccountStates } from '@loyalty/ledger-application';
import { LoyaltyMetrics, PublicRoute } from '@loyalty/http-platform';
import { LedgerIngestionConsumer } from '@loyalty/kafka-ingestion';

/** Metrics for Prometheus: public, never behind a key (health: HealthHttpController). */
@ApiExcludeController()
@Controller()
export class OperabilityHttpController {
  constructor(
    private readonly metrics: LoyaltyMetrics,
    private readonly accounts: AccountStates,
    @Optional() private readonly consumer?: LedgerIngestionConsumer,
  ) {}

  @Get('metrics')
  @PublicRoute()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    this.metrics.cachedAccounts.set(this.accounts.cached);
    if (this.consumer) this.metrics.kafkaConsumerReady.set(this.consumer.health().state === 'consuming' ? 1 : 0);
    return this.metrics.registry.metrics();
  }
}
