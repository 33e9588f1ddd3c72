import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventStore, Subscription } from '@loyalty/event-store';
import { EVENT_STORE } from '../ledger-application.tokens';
import { AccountStates, type WarmUpProgress } from './account-states';

export const ACCOUNT_STATES_OPTIONS = Symbol('ACCOUNT_STATES_OPTIONS');
export interface AccountStatesOptions {
  /** Fold the ledger's accounts into the cache after start (where reads or decisions are served). */
  warmUp: boolean;
}

export type WarmUpState = 'off' | 'warming' | 'warm' | 'full' | 'stopped' | 'failed';

/**
 * Keeps the folded accounts ready to serve: warms the cache from the ledger after start
 * (in the background: the process serves meanwhile, a cold account is folded when asked), and
 * follows the ledger so that appends by other processes never leave a stale account cached.
 */
@Injectable()
export class AccountStatesKeeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('account-states');
  private readonly abort = new AbortController();
  private subscription: Subscription | null = null;
  private warming: Promise<void> = Promise.resolve();
  private state: WarmUpState = 'off';
  private progress: WarmUpProgress = { accounts: 0, events: 0, complete: false };

  constructor(
    private readonly accounts: AccountStates,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ACCOUNT_STATES_OPTIONS) private readonly options: AccountStatesOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const head = await this.store.headPosition();
    this.subscription = this.store.subscribeToAll(head, (events) => this.accounts.ledgerAppended(events), {
      includeMetadata: false,
      onError: (error) =>
        this.logger.error({
          msg: 'following the ledger failed: accounts written by other processes may be read stale until restart',
          error: (error as Error).message,
        }),
    });
    if (!this.options.warmUp) return;
    this.state = 'warming';
    const started = Date.now();
    let logged = started;
    this.warming = this.accounts
      .warmUp({
        signal: this.abort.signal,
        onProgress: (progress) => {
          this.progress = progress;
          if (Date.now() - logged < 5_000) return;
          logged = Date.now();
          this.logger.log({ msg: 'warming the account cache', accounts: progress.accounts, events: progress.events });
        },
      })
      .then(
        (progress) => {
          this.progress = progress;
          this.state = this.abort.signal.aborted ? 'stopped' : progress.complete ? 'warm' : 'full';
          this.logger.log({
            msg: 'account cache warmed',
            state: this.state,
            accounts: progress.accounts,
            events: progress.events,
            ms: Date.now() - started,
            cached: this.accounts.cached,
          });
        },
        (error: unknown) => {
          this.state = 'failed';
          this.logger.warn({ msg: 'warming the account cache failed: accounts are folded when first asked', error: (error as Error).message });
        },
      );
  }

  /** For /health: how warm the cache is. */
  status(): { state: WarmUpState; accounts: number; events: number; cached: number } {
    return { state: this.state, accounts: this.progress.accounts, events: this.progress.events, cached: this.accounts.cached };
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.warming;
    await this.subscription?.close();
  }
}
