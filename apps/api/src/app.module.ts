import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LedgerApplicationModule, LedgerWriterModule } from '@loyalty/ledger-application';
import { DeadLettersModule, KafkaIngestionModule, type KafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import { ApiKeyGuard, createValidationPipe, ERROR_TABLE, ProblemDetailsFilter, RateLimitGuard, RateLimitsModule } from '@loyalty/http-platform';
import { ERRORS } from './composition/error-table';
import { AppConfig } from './config/app-config';
import { LedgerInfrastructureModule } from './composition/ledger-infrastructure.module';
import { ProjectionsModule } from './composition/projections.module';
import { LoyaltyAnalyticsModule } from '@loyalty/loyalty-analytics';
import { CustomerValueRefitModule } from './composition/customer-value-refit.module';
import { notificationsFor } from './composition/notifications.composition';
import { OperabilityHttpController } from './operability/operability.http-controller';
import { SessionHttpController } from './operability/session.http-controller';
import { HealthHttpController } from './operability/health.http-controller';
import { TerminusModule } from '@nestjs/terminus';
import { FinanceAuditModule } from '@loyalty/finance-audit';
import { LedgerSealingModule, sealsTheLedger } from './composition/ledger-sealing.module';
import { ExpiryJobModule } from './composition/expiry-job.module';
import { ProgramOperationsModule } from '@loyalty/program-operations';

@Module({})
export class AppModule {
  static forConfig(config: AppConfig, kafka: KafkaIngestionConfig | null): DynamicModule {
    if (config.LOYALTY_ROLE === 'ingestion-worker' && !kafka) throw new Error('LOYALTY_ROLE=ingestion-worker needs KAFKA_BROKERS');
    const withHttpApi = config.LOYALTY_ROLE === 'all' || config.LOYALTY_ROLE === 'api';
    const withIngestion = kafka !== null && (config.LOYALTY_ROLE === 'all' || config.LOYALTY_ROLE === 'ingestion-worker');
    const withProjector = config.LOYALTY_ROLE === 'all' || config.LOYALTY_ROLE === 'projector';
    const withNotifier = config.LOYALTY_ROLE === 'notifier';
    if (withNotifier && config.READ_MODEL_STORE !== 'postgres')
      throw new Error('LOYALTY_ROLE=notifier needs READ_MODEL_STORE=postgres (its outbox and the read models it scans are shared there)');
    const withReadModels = withProjector || ((withHttpApi || withNotifier) && config.READ_MODEL_STORE === 'postgres');
    const notifications = config.LOYALTY_NOTIFICATIONS === 'true';
    return {
      module: AppModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        RateLimitsModule.forConfig({
          perKeyPerSecond: config.LOYALTY_RATE_LIMIT_PER_KEY,
          perAddressPerSecond: config.LOYALTY_RATE_LIMIT_PER_ADDRESS,
          failedAuthenticationsPerMinute: config.LOYALTY_FAILED_AUTH_LIMIT,
        }),
        LedgerInfrastructureModule.forConfig(config),
        LedgerWriterModule,
        ...(withHttpApi ? [LedgerApplicationModule] : []),
        ...(withIngestion && kafka ? [KafkaIngestionModule.forConfig(kafka)] : []),
        ...(withHttpApi && kafka ? [DeadLettersModule.forConfig(kafka)] : []),
        // Read models: local with the projector, or a shared PostgreSQL store an API instance reads.
        ...(withReadModels ? [ProjectionsModule.forConfig(config, { runProjector: withProjector })] : []),
        ...(withReadModels && withHttpApi
          ? [
              LoyaltyAnalyticsModule.forConfig({
                customerValue: {
                  periodDays: config.LOYALTY_CLV_PERIOD_DAYS,
                  horizonDays: config.LOYALTY_CLV_HORIZON_DAYS,
                  annualDiscountRate: config.LOYALTY_CLV_DISCOUNT_PERCENT / 100,
                },
              }),
              ...(config.LOYALTY_CLV_REFIT_INTERVAL_SECONDS > 0 ? [CustomerValueRefitModule.every(config.LOYALTY_CLV_REFIT_INTERVAL_SECONDS)] : []),
            ]
          : []),
        ...(withHttpApi ? [FinanceAuditModule] : []),
        // Operations (rules lifecycle, replays, re-ratings) work on the read store.
        ...(withReadModels && withHttpApi
          ? [
              ProgramOperationsModule.forConfig({
                maxConcurrent: config.LOYALTY_MAX_CONCURRENT_REPLAYS,
                defaultThrottleEventsPerSecond: config.LOYALTY_REPLAY_THROTTLE_EVENTS_PER_SECOND,
              }),
            ]
          : []),
        // Notifications: all of them in the embedded app; scaled out, the notifier role derives and
        // sends, and API instances serve endpoints and feed from the outbox they share in PostgreSQL.
        ...(notifications && config.LOYALTY_ROLE === 'all' ? notificationsFor(config, kafka, 'all') : []),
        ...(notifications && withNotifier ? notificationsFor(config, kafka, 'runtime') : []),
        ...(notifications && config.LOYALTY_ROLE === 'api' && config.READ_MODEL_STORE === 'postgres' ? notificationsFor(config, kafka, 'http') : []),
        // The projector role seals the ledger: one sealer per deployment, like one projector.
        ...(sealsTheLedger(config) ? [LedgerSealingModule.every(config.LOYALTY_SEAL_INTERVAL_SECONDS)] : []),
        // The expiry job reads the balances read model, so it runs beside the projector (one per deployment).
        ...(withProjector ? [ExpiryJobModule.every(config.LOYALTY_EXPIRY_INTERVAL_SECONDS)] : []),
      ],
      controllers: [OperabilityHttpController, HealthHttpController, SessionHttpController],
      providers: [
        // In this order: the request limits, then the key (whose failures have their own limit).
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: ERROR_TABLE, useValue: ERRORS },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
