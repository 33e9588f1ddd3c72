import { Inject, Optional } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ACCOUNT_INSIGHTS, CLOCK, RULE_BOOK_SOURCE, type AccountInsightsSource } from '../../ledger-application.tokens';
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
    @Optional() @Inject(ACCOUNT_INSIGHTS) private readonly insights?: AccountInsightsSource,
  ) {}

  async execute(query: GetAccount): Promise<AccountView | null> {
    const asOfMs = query.asOf ? Date.parse(query.asOf) : this.clock.now().getTime();
    const view = await this.writer.readAccount(query.customerId, ({ state, revision }) =>
      revision === 'no-stream' ? null : toAccountView(query.customerId, state, revision as bigint, this.rules.current(), asOfMs),
    );
    if (view && this.insights) {
      const insights = await this.insights.insightsFor(query.customerId, view.asOf);
      if (insights) view.insights = insights;
    }
    return view;
  }
}
