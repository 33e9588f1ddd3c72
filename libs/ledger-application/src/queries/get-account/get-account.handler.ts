import { Inject, Optional } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { foldLoyaltyAccount, loyaltyAccountStream } from '@loyalty/ledger-domain';
import type { EventStore } from '@loyalty/event-store';
import { ACCOUNT_INSIGHTS, CLOCK, EVENT_STORE, RULE_BOOK_SOURCE, type AccountInsightsSource } from '../../ledger-application.tokens';
import type { Clock } from '../../ledger-writer/clock';
import type { RuleBookSource } from '../../ledger-writer/ledger-writer';
import { AccountStates } from '../../ledger-writer/account-states';
import { decodeLedgerEvent } from '../../persistence/ledger-event-codec';
import { toAccountView, type AccountView } from './account.view';
import { GetAccount } from './get-account.query';

@QueryHandler(GetAccount)
export class GetAccountHandler implements IQueryHandler<GetAccount, AccountView | null> {
  constructor(
    private readonly accounts: AccountStates,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RULE_BOOK_SOURCE) private readonly rules: RuleBookSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(ACCOUNT_INSIGHTS) private readonly insights?: AccountInsightsSource,
  ) {}

  async execute(query: GetAccount): Promise<AccountView | null> {
    const asOfMs = query.asOf ? Date.parse(query.asOf) : this.clock.now().getTime();
    const { atPosition, knownAt } = query.recordedUpTo;
    const view =
      atPosition !== undefined || knownAt !== undefined
        ? await this.asRecorded(query.customerId, asOfMs, atPosition, knownAt, query.include.lotsLimit)
        : await this.accounts.read(query.customerId, ({ state, revision }) =>
            revision === 'no-stream' ? null : toAccountView(query.customerId, state, revision as bigint, this.rules.current(), asOfMs, query.include.lotsLimit),
          );
    if (view && query.include.insights && this.insights) {
      const insights = await this.insights.insightsFor(query.customerId, view.asOf);
      if (insights) view.insights = insights;
    }
    return view;
  }

  /** The account from the entries recorded up to a position or instant (the ledger as it stood then). */
  private async asRecorded(
    customerId: string,
    asOfMs: number,
    atPosition: bigint | undefined,
    knownAt: string | undefined,
    lotsLimit: number | undefined,
  ): Promise<AccountView | null> {
    const knownAtMs = knownAt === undefined ? Infinity : Date.parse(knownAt);
    const stored = (await this.store.readStream(loyaltyAccountStream(customerId))).filter(
      (e) => (atPosition === undefined || e.position <= atPosition) && Date.parse(e.recordedAt) <= knownAtMs,
    );
    if (stored.length === 0) return null;
    const state = foldLoyaltyAccount(stored.map(decodeLedgerEvent));
    const view = toAccountView(customerId, state, stored[stored.length - 1].revision, this.rules.current(), asOfMs, lotsLimit);
    view.recordedUpTo = { ...(atPosition !== undefined ? { atPosition: atPosition.toString() } : {}), ...(knownAt !== undefined ? { knownAt } : {}) };
    return view;
  }
}
