import { InvalidProgramRulesError, parseProgramRules, RuleBook, rulesContentHash, type ProgramRules } from '@loyalty/program-rules';
import type { OperationsStore, RulesVersionRecord } from '../operations-store/operations-store.port';
import { describeDiff, diffRules, type RulesChange } from './rules-diff';

/** How far ahead a version must be scheduled (well above the processes' refresh interval). */
export const MIN_SCHEDULE_LEAD_MS = 60_000;

/** Expected failures of the rules lifecycle, with stable codes (mapped to HTTP in one place). */
export class RulesLifecycleError extends Error {
  constructor(
    readonly code:
      | 'RULES.TOO_SOON'
      | 'RULES.INVALID'
      | 'RULES.VERSION_EXISTS'
      | 'RULES.VERSION_NOT_FOUND'
      | 'RULES.WRONG_PROGRAM'
      | 'RULES.RETROACTIVE'
      | 'RULES.ALREADY_SCHEDULED',
    message: string,
    readonly fieldErrors: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'RulesLifecycleError';
  }

  /** The invalid fields, as the HTTP layer's validation errors name them. */
  get problemExtensions(): Record<string, unknown> | undefined {
    return this.fieldErrors.length ? { errors: this.fieldErrors.map((e) => ({ field: e.path, messages: [e.message] })) } : undefined;
  }
}

export interface RulesVersionSummary {
  programId: string;
  version: number;
  effectiveFrom: string;
  hash: string;
  /** base: from the shipped defaults or LOYALTY_RULES_FILE; proposed: for replays only; scheduled: the ledger applies it from effectiveFrom. */
  status: 'base' | 'proposed' | 'scheduled';
  submittedBy: string | null;
  submittedAt: string | null;
  scheduledBy: string | null;
  scheduledAt: string | null;
}

/** What the catalog asks of the ledger before it declares a version for the past. */
export interface LedgerHistory {
  /** The latest business time of any entry (null: the ledger is empty). */
  latestEffectiveAt(): Promise<string | null>;
}

/**
 * Rules versions as data: submitted (validated, never changed after), listed, compared,
 * scheduled. Only scheduled versions reach the ledger, and never retroactively: points
 * already earned never change (a retroactive change is a re-rating, posted as adjustments).
 * A version may take effect in the past only where the ledger has nothing yet: a program that
 * starts with a backfill declares the rules its history was earned under (its currency, its
 * bonuses) before it loads that history.
 */
export class RulesCatalog {
  private book: RuleBook;
  private records: RulesVersionRecord[] = [];

  constructor(
    private readonly store: OperationsStore,
    private readonly base: readonly ProgramRules[],
    private readonly clock: () => Date,
    /** Without it, no version can be declared for the past. */
    private readonly history: LedgerHistory | null = null,
  ) {
    this.book = new RuleBook(base);
  }

  /** Loads the catalog's versions (call at start and whenever another process may have scheduled one). */
  async refresh(): Promise<void> {
    this.records = await this.store.rulesVersions();
    this.book = new RuleBook([...this.base, ...this.records.filter((r) => r.status === 'scheduled').map((r) => r.rules)]);
  }

  /** What the ledger decides with: the base versions and every scheduled one. */
  ruleBook(): RuleBook {
    return this.book;
  }

  async submit(input: unknown, actor: string): Promise<RulesVersionSummary> {
    let rules: ProgramRules;
    try {
      rules = parseProgramRules(input, 'submitted rules');
    } catch (error) {
      if (error instanceof InvalidProgramRulesError) throw new RulesLifecycleError('RULES.INVALID', 'the rules document is invalid', error.errors);
      throw error;
    }
    const programId = this.base[0].id;
    if (rules.id !== programId) throw new RulesLifecycleError('RULES.WRONG_PROGRAM', `these rules are for program ${rules.id}; this ledger runs ${programId}`);
    await this.refresh();
    if (this.find(rules.version))
      throw new RulesLifecycleError('RULES.VERSION_EXISTS', `version ${rules.version} of ${programId} exists; versions are never changed, submit a new one`);
    const now = this.clock().toISOString();
    const record: RulesVersionRecord = {
      programId,
      version: rules.version,
      rules,
      hash: rulesContentHash(rules),
      status: 'proposed',
      submittedBy: actor,
      submittedAt: now,
      scheduledBy: null,
      scheduledAt: null,
    };
    if (
      !(await this.store.insertRulesVersion(record, {
        at: now,
        actor,
        action: 'rules.submitted',
        subject: `${programId}@${rules.version}`,
        details: { hash: record.hash, effectiveFrom: rules.effectiveFrom },
      }))
    ) {
      throw new RulesLifecycleError('RULES.VERSION_EXISTS', `version ${rules.version} of ${programId} was submitted concurrently`);
    }
    await this.refresh();
    return this.summary(record);
  }

  async list(): Promise<RulesVersionSummary[]> {
    await this.refresh();
    const base = this.base.map((r) => this.summaryOfBase(r));
    return [...base, ...this.records.map((r) => this.summary(r))].sort((a, b) => a.version - b.version);
  }

  async rules(version: number): Promise<ProgramRules> {
    await this.refresh();
    const found = this.find(version);
    if (!found) throw new RulesLifecycleError('RULES.VERSION_NOT_FOUND', `no rules version ${version}`);
    return found;
  }

  async diff(version: number, against: number): Promise<{ version: number; against: number; changes: RulesChange[]; lines: string[] }> {
    const [to, from] = [await this.rules(version), await this.rules(against)];
    const changes = diffRules(from, to);
    return { version, against, changes, lines: describeDiff(changes) };
  }

  /**
   * Puts a proposed version in force for the ledger from `effectiveFrom`: at least a minute
   * ahead, or in the past when no entry of the ledger is at or after it (history to be loaded).
   */
  async schedule(version: number, effectiveFrom: string, actor: string): Promise<RulesVersionSummary> {
    await this.refresh();
    const record = this.records.find((r) => r.version === version);
    if (!record)
      throw new RulesLifecycleError(
        this.base.some((r) => r.version === version) ? 'RULES.ALREADY_SCHEDULED' : 'RULES.VERSION_NOT_FOUND',
        `version ${version} is not a proposed version in the catalog`,
      );
    if (record.status === 'scheduled')
      throw new RulesLifecycleError('RULES.ALREADY_SCHEDULED', `version ${version} is already scheduled from ${record.rules.effectiveFrom}`);
    const now = this.clock();
    const past = Date.parse(effectiveFrom) < now.getTime();
    if (past) {
      const latest = this.history ? await this.history.latestEffectiveAt() : undefined;
      if (latest === undefined)
        throw new RulesLifecycleError(
          'RULES.RETROACTIVE',
          `effectiveFrom ${effectiveFrom} is in the past: earned points never change; express a retroactive change as a re-rating`,
        );
      if (latest !== null && Date.parse(latest) >= Date.parse(effectiveFrom))
        throw new RulesLifecycleError(
          'RULES.RETROACTIVE',
          `effectiveFrom ${effectiveFrom} is in the past and the ledger has entries since (the latest at ${latest}): earned points never change; a version for the past is declared before its history is loaded, and a change of what was earned is a re-rating`,
        );
    }
    // Every process re-reads the schedule every few seconds: a version must not take effect before they all know it.
    if (!past && Date.parse(effectiveFrom) < now.getTime() + MIN_SCHEDULE_LEAD_MS)
      throw new RulesLifecycleError(
        'RULES.TOO_SOON',
        `effectiveFrom must be at least ${MIN_SCHEDULE_LEAD_MS / 1000} s ahead, so that every ledger process has loaded the version before it applies`,
      );
    const rules = { ...record.rules, effectiveFrom: new Date(effectiveFrom).toISOString() };
    // The hash was fixed at submission: the schedule is not part of the content.
    const scheduled: RulesVersionRecord = { ...record, rules, status: 'scheduled', scheduledBy: actor, scheduledAt: now.toISOString() };
    await this.store.updateRulesVersion(scheduled, {
      at: now.toISOString(),
      actor,
      action: 'rules.scheduled',
      subject: `${record.programId}@${version}`,
      details: { effectiveFrom: rules.effectiveFrom, hash: scheduled.hash, ...(past ? { forThePast: true } : {}) },
    });
    await this.refresh();
    return this.summary(scheduled);
  }

  private find(version: number): ProgramRules | undefined {
    return this.base.find((r) => r.version === version) ?? this.records.find((r) => r.version === version)?.rules;
  }

  private summary(r: RulesVersionRecord): RulesVersionSummary {
    return {
      programId: r.programId,
      version: r.version,
      effectiveFrom: r.rules.effectiveFrom,
      hash: r.hash,
      status: r.status,
      submittedBy: r.submittedBy,
      submittedAt: r.submittedAt,
      scheduledBy: r.scheduledBy,
      scheduledAt: r.scheduledAt,
    };
  }

  private summaryOfBase(r: ProgramRules): RulesVersionSummary {
    return {
      programId: r.id,
      version: r.version,
      effectiveFrom: r.effectiveFrom,
      hash: rulesContentHash(r),
      status: 'base',
      submittedBy: null,
      submittedAt: null,
      scheduledBy: null,
      scheduledAt: null,
    };
  }
}
