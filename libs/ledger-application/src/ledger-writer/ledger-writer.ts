import {
  decide,
  evolve,
  loyaltyAccountStream,
  sourceKeyOf,
  LedgerRejectionCode,
  type Decision,
  type LedgerCommand,
  type LedgerEvent,
  type LedgerRejection,
} from '@loyalty/ledger-domain';
import type { EventStore, EventToAppend } from '@loyalty/event-store';
import type { CachedAccount } from '../persistence/account-cache';
import type { RuleBook } from '@loyalty/program-rules';
import type { LedgerEntryMetadata } from '../persistence/ledger-event-codec';
import { AccountStates } from './account-states';
import { correlationOf, ledgerEntries } from '../persistence/ledger-entries';
import { ChunkedAppends, type AccountAppend } from './chunked-appends';
import type { Provenance } from '../persistence/provenance';
import type { Clock } from './clock';

export interface CommandEnvelope {
  command: LedgerCommand;
  provenance: Provenance;
  correlationId?: string;
}

export type LedgerWriteResult =
  | {
      status: 'accepted';
      customerId: string;
      sourceKey: string;
      /** Global position the read side must reach to show this write (null if nothing was written). */
      position: bigint | null;
      events: { type: string; revision: bigint }[];
      /** The events as decided (what a job reports on: points expired, ...). */
      decided: readonly LedgerEvent[];
    }
  | { status: 'duplicate'; customerId: string; sourceKey: string }
  /** Accepted, with nothing to record (an expiry run that found nothing due). */
  | { status: 'no-op'; customerId: string; sourceKey: string }
  | { status: 'rejected'; customerId: string; sourceKey: string; rejection: LedgerRejection };

/** Hooks for metrics; the writer itself knows nothing of Prometheus. */
export interface LedgerWriterObserver {
  commandDecided?(commandType: string, status: LedgerWriteResult['status']): void;
  concurrencyRetry?(customerId: string): void;
  /** A command failed unexpectedly while being decided or encoded (a defect): it was refused alone. */
  commandFailed?(commandType: string, error: unknown): void;
  appended?(streams: number, events: number, durationMs: number): void;
}

export interface RuleBookSource {
  current(): RuleBook;
}

export interface LedgerWriterOptions {
  /** Accounts kept folded in memory (when the writer makes its own AccountStates). */
  cacheCapacity?: number;
  /** The account states to decide from, shared with the reads (default: the writer's own). */
  accounts?: AccountStates;
  /** Attempts per account when another writer keeps winning the race. */
  maxAttempts?: number;
  observer?: LedgerWriterObserver;
  /**
   * A batch goes to the store in appends of about this many events (whole accounts), each
   * given while the next is decided: with the SQLite writer thread, deciding and writing overlap.
   */
  appendChunkEvents?: number;
  /** Business times later than the clock plus this are refused (LEDGER.FUTURE_TIME); default DEFAULT_FUTURE_TOLERANCE_MS. */
  futureToleranceMs?: number;
}

export class ConcurrencyRetriesExhaustedError extends Error {
  readonly code = 'LEDGER.CONCURRENCY_RETRIES_EXHAUSTED';
  constructor(
    readonly customerIds: string[],
    attempts: number,
  ) {
    super(`gave up after ${attempts} concurrent-write conflicts on ${customerIds.slice(0, 5).join(', ')}`);
    this.name = 'ConcurrencyRetriesExhaustedError';
  }
}

interface GroupPlan extends AccountAppend {
  indices: number[];
  account: CachedAccount;
  /** Per command index: the revisions of its events. */
  written: Map<number, { type: string; revision: bigint }[]>;
  /** The chain hash after the planned events. */
  lastHash: string;
}

/**
 * The write side: load the account, decide, append at the expected revision, retry on a
 * conflict. One path serves a single HTTP command and a Kafka batch of thousands: commands
 * are grouped by customer (in arrival order), decided in turn, and every account's events go
 * to the store in one appendMany.
 */
export class LedgerWriter {
  /** The folded accounts the writer decides from, and reads are served from. */
  readonly accounts: AccountStates;
  private readonly maxAttempts: number;
  private readonly appendChunkEvents: number;

  constructor(
    private readonly store: EventStore,
    private readonly rules: RuleBookSource,
    private readonly clock: Clock,
    private readonly options: LedgerWriterOptions = {},
  ) {
    this.accounts = options.accounts ?? new AccountStates(store, options.cacheCapacity ?? 100_000);
    this.maxAttempts = options.maxAttempts ?? 8;
    this.appendChunkEvents = options.appendChunkEvents ?? 500;
  }

  async execute(envelope: CommandEnvelope): Promise<LedgerWriteResult> {
    const [result] = await this.executeBatch([envelope]);
    return result;
  }

  async executeBatch(envelopes: readonly CommandEnvelope[]): Promise<LedgerWriteResult[]> {
    const release = await this.accounts.lock(envelopes.map((e) => e.command.customerId));
    try {
      return await this.executeLocked(envelopes);
    } finally {
      release();
    }
  }

  /** Load, decide, append at the expected revision; on a conflict, reload and decide those accounts again. */
  private async executeLocked(envelopes: readonly CommandEnvelope[]): Promise<LedgerWriteResult[]> {
    const results: LedgerWriteResult[] = new Array(envelopes.length);
    let pending = groupByCustomer(envelopes);
    for (let attempt = 1; pending.size > 0; attempt++) {
      if (attempt > this.maxAttempts) throw new ConcurrencyRetriesExhaustedError([...pending.keys()], this.maxAttempts);
      pending = await this.attempt(pending, envelopes, results);
    }
    for (let i = 0; i < envelopes.length; i++) this.options.observer?.commandDecided?.(envelopes[i].command.type, results[i].status);
    return results;
  }

  /** One attempt at the pending accounts: the accounts that lost a race, to decide again. */
  private async attempt(pending: Map<string, number[]>, envelopes: readonly CommandEnvelope[], results: LedgerWriteResult[]): Promise<Map<string, number[]>> {
    const nowMs = this.clock.now().getTime();
    const at = { ruleBook: this.rules.current(), nowMs, decidedAt: new Date(nowMs).toISOString() };
    const plans: GroupPlan[] = [];
    const appends = new ChunkedAppends<GroupPlan>(this.store, this.appendChunkEvents, this.options.observer?.appended?.bind(this.options.observer));
    let deciding: string | null = null;
    let decideFailure: { error: unknown } | null = null;
    try {
      for (const [customerId, indices] of pending) {
        deciding = customerId;
        const plan = await this.plan(customerId, indices, envelopes, results, at);
        plans.push(plan);
        appends.add(plan);
      }
      deciding = null;
    } catch (error) {
      decideFailure = { error };
    }
    const { outcomes, failure: appendFailure } = await appends.settle();
    const failure = decideFailure ?? appendFailure;
    if (failure) {
      // States were evolved in place: what may not be stored must not stay cached.
      for (const p of plans) this.accounts.cache.evict(p.customerId);
      if (deciding !== null) this.accounts.cache.evict(deciding);
      throw failure.error;
    }
    const retry = new Map<string, number[]>();
    for (const [plan, outcome] of outcomes) {
      if (outcome.ok) {
        plan.account.revision = outcome.result.nextExpectedRevision;
        plan.account.lastHash = plan.lastHash;
        // A retry of an earlier append: the stored entries carry that attempt's metadata and
        // chain hashes, not this one's. Reload them rather than chain onto a hash never stored.
        if (outcome.result.deduplicated) this.accounts.cache.evict(plan.customerId);
        else this.accounts.cache.set(plan.customerId, plan.account);
        for (const index of plan.written.keys()) {
          const r = results[index];
          if (r.status === 'accepted') r.position = outcome.result.position;
        }
      } else {
        // Another writer got there first (or the events are already stored): reload and decide again.
        this.accounts.cache.evict(plan.customerId);
        this.options.observer?.concurrencyRetry?.(plan.customerId);
        retry.set(plan.customerId, plan.indices);
      }
    }
    for (const plan of plans) if (plan.events.length === 0) this.accounts.cache.set(plan.customerId, plan.account);
    return retry;
  }

  /** Decides one account's commands in turn, evolving its (cached) state in place, and encodes the entries. */
  private async plan(
    customerId: string,
    indices: number[],
    envelopes: readonly CommandEnvelope[],
    results: LedgerWriteResult[],
    at: { ruleBook: RuleBook; nowMs: number; decidedAt: string },
  ): Promise<GroupPlan> {
    const account = await this.accounts.forDecision(customerId);
    const plan: GroupPlan = { customerId, expectedRevision: account.revision, indices, account, events: [], written: new Map(), lastHash: account.lastHash };
    let revision = account.revision === 'no-stream' ? -1n : (account.revision as bigint);
    const stream = loyaltyAccountStream(customerId);
    for (const index of indices) {
      const { command, provenance, correlationId } = envelopes[index];
      const sourceKey = sourceKeyOf(command) ?? `expiry:${command.type === 'ExpirePoints' ? command.expiryRunId : index}`;
      // What belongs to this one command (deciding, encoding, hashing) fails this command alone: it
      // is refused with the reason (a dead letter, a 422), and the batch goes on. Nothing of it
      // reaches the state before every event of it is encoded.
      let decided: { decision: Extract<Decision, { outcome: 'accepted' }>; entries: EventToAppend[]; lastHash: string } | null = null;
      try {
        const decision = decide(command, account.state, { ruleBook: at.ruleBook, nowMs: at.nowMs, futureToleranceMs: this.options.futureToleranceMs });
        if (decision.outcome === 'duplicate') {
          results[index] = { status: 'duplicate', customerId, sourceKey };
          continue;
        }
        if (decision.outcome === 'rejected') {
          results[index] = { status: 'rejected', customerId, sourceKey, rejection: decision.rejection };
          continue;
        }
        if (decision.events.length === 0) {
          results[index] = { status: 'no-op', customerId, sourceKey };
          continue;
        }
        const metadata: LedgerEntryMetadata = {
          correlationId: correlationId ?? correlationOf(provenance),
          causationId: correlationOf(provenance),
          sourceKey,
          commandType: command.type,
          provenance,
          rules: decision.rules,
          decidedAt: at.decidedAt,
        };
        decided = { decision, ...ledgerEntries(decision.events, metadata, { stream, afterRevision: revision, previousHash: plan.lastHash }) };
      } catch (error) {
        this.options.observer?.commandFailed?.(command.type, error);
        results[index] = {
          status: 'rejected',
          customerId,
          sourceKey,
          rejection: {
            code: LedgerRejectionCode.Unprocessable,
            message: `the ledger could not process this command: ${(error as Error)?.message ?? String(error)}`,
          },
        };
        continue;
      }
      const written: { type: string; revision: bigint }[] = [];
      decided.decision.events.forEach((event, i) => {
        plan.events.push(decided.entries[i]);
        evolve(account.state, event); // in place: undone by eviction if the append fails
        written.push({ type: event.type, revision: ++revision });
      });
      plan.lastHash = decided.lastHash;
      plan.written.set(index, written);
      results[index] = { status: 'accepted', customerId, sourceKey, position: null, events: written, decided: decided.decision.events };
    }
    return plan;
  }
}

function groupByCustomer(envelopes: readonly CommandEnvelope[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  envelopes.forEach((e, i) => {
    const list = groups.get(e.command.customerId);
    if (list) list.push(i);
    else groups.set(e.command.customerId, [i]);
  });
  return groups;
}
