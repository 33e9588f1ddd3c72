import type { LimitRules, ProgramRules, RulesReference } from '../program-rules.types';
import { parseInstant } from '../time/utc-calendar';
import { rulesReference } from './rules-hash';

/** One version of the rules, with what the ledger records about it. */
export interface RulesVersion {
  rules: ProgramRules;
  reference: RulesReference;
  effectiveFromMs: number;
}

/**
 * Every version of one program's rules, ordered by effective time. The rules that compute
 * an entry are those in force at the business time of its command, so a late-arriving
 * purchase is rated as it would have been on its day.
 */
export class RuleBook {
  private readonly versions: RulesVersion[];

  constructor(rules: readonly ProgramRules[]) {
    if (rules.length === 0) throw new Error('a rule book needs at least one rules version');
    const programIds = new Set(rules.map((r) => r.id));
    if (programIds.size > 1) throw new Error(`a rule book holds one program, got ${[...programIds].join(', ')}`);
    const seen = new Set<number>();
    for (const r of rules) {
      if (seen.has(r.version)) throw new Error(`rules version ${r.version} appears twice`);
      seen.add(r.version);
    }
    this.versions = rules
      .map((r) => ({ rules: r, reference: rulesReference(r), effectiveFromMs: parseInstant(r.effectiveFrom) }))
      .sort((a, b) => a.effectiveFromMs - b.effectiveFromMs || a.rules.version - b.rules.version);
  }

  /** The version in force at `atMs`; before the first version, the first one. */
  inForceAt(atMs: number): RulesVersion {
    let chosen = this.versions[0];
    for (const v of this.versions) {
      if (v.effectiveFromMs <= atMs) chosen = v;
      else break;
    }
    return chosen;
  }

  all(): readonly RulesVersion[] {
    return this.versions;
  }

  latest(): RulesVersion {
    return this.versions[this.versions.length - 1];
  }

  /** When the program began: the first version's effectiveFrom. No business time may precede it. */
  programStartMs(): number {
    return this.versions[0].effectiveFromMs;
  }
}

/** The limits of rules files that do not state them: ¥1,000,000,000,000 (in minor units) and 1,000,000,000 points. */
export const DEFAULT_LIMITS: LimitRules = { maxAmountMinor: 1_000_000_000_000, maxPoints: 1_000_000_000 };

export function limitsOf(rules: ProgramRules): LimitRules {
  return rules.limits ?? DEFAULT_LIMITS;
}
