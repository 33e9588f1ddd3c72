import { Query } from '@nestjs/cqrs';
import type { AccountLedgerPage } from './account-ledger.view';

export class GetAccountLedger extends Query<AccountLedgerPage> {
  constructor(
    readonly customerId: string,
    readonly fromRevision: number,
    readonly limit: number,
  ) {
    super();
  }
}
