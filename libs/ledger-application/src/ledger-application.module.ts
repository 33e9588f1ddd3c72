import { Logger, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '@loyalty/event-store';
import { LoyaltyMetrics } from '@loyalty/http-platform';
import { CLOCK, EVENT_STORE, RULE_BOOK_SOURCE } from './ledger-application.tokens';
import type { Clock } from './ledger-writer/clock';
import { LedgerWriter, type RuleBookSource } from './ledger-writer/ledger-writer';
import { AccountStates } from './ledger-writer/account-states';
import { ACCOUNT_STATES_OPTIONS, AccountStatesKeeper, type AccountStatesOptions } from './ledger-writer/account-states.keeper';
import { AdjustPointsHttpController } from './use-cases/adjust-points/adjust-points.http-controller';
import { CancelRedemptionHttpController } from './use-cases/cancel-redemption/cancel-redemption.http-controller';
import { EnrolCustomerHttpController } from './use-cases/enrol-customer/enrol-customer.http-controller';
import { ExpirePointsHttpController } from './use-cases/expire-points/expire-points.http-controller';
import { RecordPurchaseHttpController } from './use-cases/record-purchase/record-purchase.http-controller';
import { RecordRefundHttpController } from './use-cases/record-refund/record-refund.http-controller';
import { RecordSupportContactHttpController } from './use-cases/record-support-contact/record-support-contact.http-controller';
import { RecordSurveyAnswerHttpController } from './use-cases/record-survey-answer/record-survey-answer.http-controller';
import { RedeemPointsHttpController } from './use-cases/redeem-points/redeem-points.http-controller';
import { GetAccountHandler } from './queries/get-account/get-account.handler';
import { GetAccountHttpController } from './queries/get-account/get-account.http-controller';
import { GetAccountLedgerHandler } from './queries/get-account-ledger/get-account-ledger.handler';
import { GetAccountLedgerHttpController } from './queries/get-account-ledger/get-account-ledger.http-controller';

/** Tunables of the write side, provided by the composition root. */
export const LEDGER_WRITER_OPTIONS = Symbol('LEDGER_WRITER_OPTIONS');
export interface LedgerWriterSettings {
  cacheCapacity: number;
  /** Warm the account cache from the ledger after start (roles that serve reads or decide); default true. */
  warmUp?: boolean;
  /** How far ahead of the clock a business time may be; default DEFAULT_FUTURE_TOLERANCE_MS. */
  futureToleranceMs?: number;
}

/** The write side alone (no HTTP): what the HTTP module and the Kafka consumer share. */
@Module({
  providers: [
    {
      provide: AccountStates,
      inject: [EVENT_STORE, LEDGER_WRITER_OPTIONS],
      useFactory: (store: EventStore, settings: LedgerWriterSettings) => new AccountStates(store, settings.cacheCapacity),
    },
    {
      provide: LedgerWriter,
      inject: [EVENT_STORE, RULE_BOOK_SOURCE, CLOCK, LEDGER_WRITER_OPTIONS, LoyaltyMetrics, AccountStates],
      useFactory: (store: EventStore, rules: RuleBookSource, clock: Clock, settings: LedgerWriterSettings, metrics: LoyaltyMetrics, accounts: AccountStates) =>
        new LedgerWriter(store, rules, clock, {
          accounts,
          futureToleranceMs: settings.futureToleranceMs,
          observer: {
            commandDecided: (type, status) => metrics.ledgerCommands.inc({ type, outcome: status }),
            concurrencyRetry: () => metrics.concurrencyRetries.inc(),
            commandFailed: (type, error) =>
              new Logger('ledger-writer').error({
                msg: 'a command failed unexpectedly and was refused alone (a defect: please report it)',
                commandType: type,
                error: (error as Error)?.stack ?? String(error),
              }),
            appended: (_streams, events, ms) => {
              metrics.ledgerEventsAppended.inc(events);
              metrics.ledgerAppends.observe(ms / 1000);
            },
          },
        }),
    },
    {
      provide: ACCOUNT_STATES_OPTIONS,
      inject: [LEDGER_WRITER_OPTIONS],
      useFactory: (settings: LedgerWriterSettings): AccountStatesOptions => ({ warmUp: settings.warmUp ?? true }),
    },
    AccountStatesKeeper,
  ],
  exports: [LedgerWriter, AccountStates, AccountStatesKeeper],
})
export class LedgerWriterModule {}

/**
 * The ledger's use cases over HTTP. Needs EVENT_STORE, RULE_BOOK_SOURCE, CLOCK,
 * LEDGER_WRITER_OPTIONS and LoyaltyMetrics from a global module of the app.
 */
@Module({
  imports: [CqrsModule, LedgerWriterModule],
  controllers: [
    RecordPurchaseHttpController,
    RecordRefundHttpController,
    RecordSurveyAnswerHttpController,
    RecordSupportContactHttpController,
    EnrolCustomerHttpController,
    RedeemPointsHttpController,
    CancelRedemptionHttpController,
    AdjustPointsHttpController,
    ExpirePointsHttpController,
    GetAccountHttpController,
    GetAccountLedgerHttpController,
  ],
  providers: [GetAccountHandler, GetAccountLedgerHandler],
})
export class LedgerApplicationModule {}
