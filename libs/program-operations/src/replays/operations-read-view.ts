import type { ReadView, ViewedTables } from '@loyalty/loyalty-analytics';
import { RuleBook } from '@loyalty/program-rules';
import { projectionKey } from '@loyalty/read-models';
import type { OperationsStore } from '../operations-store/operations-store.port';
import type { RulesCatalog } from '../rules-lifecycle/rules-catalog';

/**
 * The read view from the operations store: the promoted replay's tables and candidate rules,
 * or the live ones. Cached; refreshed on promote/rollback here and every
 * few seconds (another process may have switched it).
 */
export class OperationsReadView implements ReadView {
  /** The promoted replay's tables by projection name (none: live). */
  private cached: { id: string; keys: Readonly<Record<string, string>>; ruleBook: RuleBook | null } = { id: 'live', keys: {}, ruleBook: null };
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly operations: OperationsStore,
    private readonly catalog: RulesCatalog,
  ) {}

  current(): ViewedTables {
    const { id, keys, ruleBook } = this.cached;
    // Live: the ledger's rules as they are now (a scheduled version may have come into force).
    return { id, ruleBook: ruleBook ?? this.catalog.ruleBook(), keyOf: (projection) => keys[projection.name] ?? projectionKey(projection) };
  }

  async refresh(): Promise<void> {
    const view = await this.operations.readView();
    const replay = view.replayId ? await this.operations.replay(view.replayId) : null;
    if (!replay) {
      this.cached = { id: 'live', keys: {}, ruleBook: null };
      return;
    }
    const rules = await this.catalog.rules(replay.candidateVersion);
    this.cached = { id: replay.id, keys: { ...replay.keys }, ruleBook: new RuleBook([rules]) };
  }

  follow(intervalMs: number): void {
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
