import type { RuleBookSource } from '@loyalty/ledger-application';
import type { RuleBook } from '@loyalty/program-rules';
import { customerProfileProjection, projectionKey } from '@loyalty/read-models';

/**
 * Which tables the read side reads and which rules it evaluates them with. Live: the
 * projector's own tables and the ledger's rules. After operations promote a replay: the
 * replay's shadow tables and its candidate rules, until they roll back. Resolved per query,
 * so a switch is atomic for every query that starts after it.
 */
export interface ReadView {
  current(): { id: string; profilesKey: string; ruleBook: RuleBook };
}

export const READ_VIEW = Symbol('READ_VIEW');

/** The view without operations: live tables, ledger rules. */
export function liveReadView(rules: RuleBookSource): ReadView {
  const profilesKey = projectionKey(customerProfileProjection);
  return { current: () => ({ id: 'live', profilesKey, ruleBook: rules.current() }) };
}
