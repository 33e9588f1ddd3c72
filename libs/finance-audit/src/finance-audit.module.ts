import { Global, Module } from '@nestjs/common';
import { CLOCK, EVENT_STORE, RULE_BOOK_SOURCE, type Clock, type RuleBookSource } from '@loyalty/ledger-application';
import type { EventStore } from '@loyalty/event-store';
import { PROJECTION_STORE, type ProjectionStore } from '@loyalty/projection-runner';
import { FinanceReportService } from './finance-reports/finance-report.service';
import { AuditHttpController } from './http/audit.http-controller';
import { FinanceReportsHttpController } from './http/finance-reports.http-controller';
import { AUDIT_KEY, LedgerAuditService } from './tamper-evidence/ledger-audit.service';
import type { AuditKey } from './tamper-evidence/ledger-digests';

/** Finance's reports and the ledger audit over HTTP (roles finance, ops). Needs EVENT_STORE, RULE_BOOK_SOURCE, CLOCK, AUDIT_KEY; uses PROJECTION_STORE when there is one. */
@Global()
@Module({
  controllers: [FinanceReportsHttpController, AuditHttpController],
  providers: [
    {
      provide: FinanceReportService,
      inject: [EVENT_STORE, RULE_BOOK_SOURCE],
      useFactory: (ledger: EventStore, rules: RuleBookSource) => new FinanceReportService(ledger, rules),
    },
    {
      provide: LedgerAuditService,
      inject: [EVENT_STORE, AUDIT_KEY, CLOCK, { token: PROJECTION_STORE, optional: true }],
      useFactory: (ledger: EventStore, key: AuditKey, clock: Clock, projections?: ProjectionStore) =>
        new LedgerAuditService(ledger, key, projections ?? null, () => clock.now()),
    },
  ],
  exports: [FinanceReportService, LedgerAuditService],
})
export class FinanceAuditModule {}
