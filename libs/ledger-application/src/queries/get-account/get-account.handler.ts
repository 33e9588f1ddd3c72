import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, RULE_BOOK_SOURCE } from '../../ledger-application.tokens';
import type { Clock } from '../../ledger-writer/clock';
import { LedgerWriter, type RuleBookSource } from '../../ledger-writer/ledger-writer';
import { toAccountView, type AccountView } from './account.view';
import { GetAccount } from './get-account.query';

@QueryHandler(GetAccount)
export class GetAccountHandler implements IQueryHandler<GetAccount, AccountView | null> {
  constructor(
    private readonly writer: LedgerWriter,
    @Inject(RULE_BOOK_SOURCE) private readonly rules: RuleBookSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(query: GetAccount): Promise<AccountView | null> {
    const asOfMs = query.asOf ? Date.parse(query.asOf) : this.clock.now().getTime();
    return this.writer.readAccount(query.customerId, ({ state, revision }) =>
      revision === 'no-stream' ? null : toAccountView(query.customerId, state, revision as bigint, this.rules.current(), asOfMs),
    );
  }
}
