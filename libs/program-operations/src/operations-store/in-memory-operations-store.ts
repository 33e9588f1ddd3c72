import {
  LIVE_READ_VIEW,
  type AuditTrailEntry,
  type NewAuditEntry,
  type OperationsStore,
  type ReadViewRecord,
  type ReplayRecord,
  type ReRatingRecord,
  type RulesVersionRecord,
  type ExpiryRunRecord,
} from './operations-store.port';

/** For tests and LEDGER_STORE=memory. Copies in and out, like a real store. */
export class InMemoryOperationsStore implements OperationsStore {
  private readonly versions = new Map<string, RulesVersionRecord>();
  private readonly trail: AuditTrailEntry[] = [];
  private readonly replayRecords = new Map<string, ReplayRecord>();
  private readonly reRatings = new Map<string, ReRatingRecord>();
  private view: ReadViewRecord = LIVE_READ_VIEW;

  async rulesVersions(): Promise<RulesVersionRecord[]> {
    return [...this.versions.values()]
      .sort((a, b) => (a.programId === b.programId ? a.version - b.version : a.programId < b.programId ? -1 : 1))
      .map((r) => structuredClone(r));
  }

  async insertRulesVersion(record: RulesVersionRecord, audit: NewAuditEntry): Promise<boolean> {
    const key = `${record.programId}\u0000${record.version}`;
    if (this.versions.has(key)) return false;
    this.versions.set(key, structuredClone(record));
    await this.appendAudit(audit);
    return true;
  }

  async updateRulesVersion(record: RulesVersionRecord, audit: NewAuditEntry): Promise<void> {
    this.versions.set(`${record.programId}\u0000${record.version}`, structuredClone(record));
    await this.appendAudit(audit);
  }

  async auditTrail(options: { afterSeq?: number; limit?: number } = {}): Promise<AuditTrailEntry[]> {
    return this.trail
      .filter((e) => e.seq > (options.afterSeq ?? 0))
      .slice(0, options.limit ?? 1000)
      .map((e) => structuredClone(e));
  }

  async appendAudit(entry: NewAuditEntry): Promise<void> {
    this.trail.push({ ...structuredClone(entry), seq: this.trail.length + 1 });
  }

  async saveReplay(record: ReplayRecord): Promise<void> {
    this.replayRecords.set(record.id, structuredClone(record));
  }

  async replay(id: string): Promise<ReplayRecord | null> {
    const r = this.replayRecords.get(id);
    return r ? structuredClone(r) : null;
  }

  async replays(): Promise<ReplayRecord[]> {
    return [...this.replayRecords.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => structuredClone(r));
  }

  async saveReRating(record: ReRatingRecord): Promise<void> {
    this.reRatings.set(record.id, structuredClone(record));
  }

  async reRating(id: string): Promise<ReRatingRecord | null> {
    const r = this.reRatings.get(id);
    return r ? structuredClone(r) : null;
  }

  async readView(): Promise<ReadViewRecord> {
    return { ...this.view };
  }

  async switchReadView(expectedReplayId: string | null, next: ReadViewRecord, audit: NewAuditEntry): Promise<boolean> {
    if (this.view.replayId !== expectedReplayId) return false;
    this.view = { ...next };
    await this.appendAudit(audit);
    return true;
  }

  private expiryRun: ExpiryRunRecord | null = null;

  async latestExpiryRun(): Promise<ExpiryRunRecord | null> {
    return this.expiryRun && { ...this.expiryRun };
  }

  async saveExpiryRun(record: ExpiryRunRecord, expectedRunId: string | null, audit?: NewAuditEntry): Promise<boolean> {
    const latest = this.expiryRun?.runId ?? null;
    if (latest !== expectedRunId && latest !== record.runId) return false;
    this.expiryRun = { ...record };
    if (audit) await this.appendAudit(audit);
    return true;
  }

  private readonly runnerClaims = new Map<string, { owner: string; leaseUntil: string }>();

  async claimReplayRunner(replayId: string, owner: string, now: string, leaseUntil: string): Promise<boolean> {
    const held = this.runnerClaims.get(replayId);
    if (held && held.owner !== owner && held.leaseUntil >= now) return false;
    this.runnerClaims.set(replayId, { owner, leaseUntil });
    return true;
  }

  async releaseReplayRunner(replayId: string, owner: string): Promise<void> {
    if (this.runnerClaims.get(replayId)?.owner === owner) this.runnerClaims.delete(replayId);
  }

  async close(): Promise<void> {
    // Nothing to release: the records live and die with the process.
  }
}
