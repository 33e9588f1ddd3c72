export * from './ledger-scan/ledger-scan';
export * from './ledger-scan/ledger-history';
export * from './finance-reports/finance-report.service';
export * from './tamper-evidence/ledger-digests';
export * from './tamper-evidence/sealing-thread';
export * from './tamper-evidence/ledger-verifier';
export * from './tamper-evidence/ledger-audit.service';
export * from './finance-audit.module';
export type {
  BreakageResponse,
  EntriesResponse,
  LiabilityResponse,
  LinkedSplitRow,
  RollForwardResponse,
  TrialBalanceResponse,
} from './http/finance-reports.http-controller';
