import type { RuleBook } from '@loyalty/program-rules';

/** What one query reads: the view's id ('live' or a promoted replay's), its rules, and each projection's tables. */
export interface ViewedTables {
  id: string;
  ruleBook: RuleBook;
  /** The storage key of a projection's tables in this view: the live ones, or a promoted replay's. */
  keyOf(projection: { name: string; version: number }): string;
}

/**
 * Which tables the read side reads and which rules it evaluates them with. Live: the
 * projector's own tables and the ledger's rules. After operations promote a replay: the
 * replay's shadow tables and its candidate rules, until they roll back. Resolved per query,
 * so a switch is atomic for every query that starts after it.
 */
export interface ReadView {
  current(): ViewedTables;
}

export const READ_VIEW = Symbol('READ_VIEW');
