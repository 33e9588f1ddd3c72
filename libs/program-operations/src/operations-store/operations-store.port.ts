import type { ProgramRules } from '@loyalty/program-rules';
import type { ImpactReport } from '../replays/impact-report';

/** A rules version as operations handle it: proposed (for replays only) or scheduled (the ledger applies it from effectiveFrom). */
export interface RulesVersionRecord {
  programId: string;
  version: number;
  rules: ProgramRules;
  hash: string;
  status: 'proposed' | 'scheduled';
  submittedBy: string;
  submittedAt: string;
  scheduledBy: string | null;
  scheduledAt: string | null;
}

/** Who did what, when: append-only. */
export interface AuditTrailEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditTrailEntry, 'seq'>;

export interface ReplayProgress {
  eventsDone: number;
  /** The ledger head the rebuild is heading for (grows while ingestion runs). */
  head: string;
  position: string;
  ratePerSecond: number;
  etaSeconds: number | null;
  updatedAt: string;
}

export type ReplayStatus = 'running' | 'ready' | 'promoted' | 'rolled-back' | 'failed' | 'cancelled';

export interface ReplayRecord {
  id: string;
  programId: string;
  candidateVersion: number;
  /** Projection name -> its shadow storage key. */
  keys: Record<string, string>;
  status: ReplayStatus;
  throttleEventsPerSecond: number | null;
  createdBy: string;
  createdAt: string;
  progress: ReplayProgress;
  impact: ImpactReport | null;
  error: string | null;
}

/** A re-rating: per-customer deltas computed under a candidate version, previewed, then posted once as adjustments. */
export interface ReRatingRecord {
  id: string;
  candidateVersion: number;
  /** Purchases earned at or after this instant are re-rated. */
  from: string;
  status: 'previewed' | 'posted';
  createdBy: string;
  createdAt: string;
  customers: number;
  totalDeltaPoints: number;
  deltas: { customerId: string; actualPoints: number; reRatedPoints: number; deltaPoints: number }[];
  posted: { by: string; at: string; reason: string; accepted: number; duplicates: number; rejected: { customerId: string; code: string }[] } | null;
}

/** Which replay the read side reads (null: the live tables and the ledger's rules). */
export interface ReadViewRecord {
  replayId: string | null;
  /** What rollback returns to. */
  previousReplayId: string | null;
  switchedAt: string | null;
  switchedBy: string | null;
}

/** A program-wide expiry run: which cut-off it expires up to, and what it did. */
export interface ExpiryRunRecord {
  /** Deterministic from the cut-off (expiry-<cutoff>): every entry the run writes names it. */
  runId: string;
  /** Lots whose expiry instant is at or before this expire in the run. */
  cutoff: string;
  status: 'running' | 'completed';
  startedAt: string;
  completedAt: string | null;
  /** Accounts the run decided on, and what they expired (including a run resumed after a crash). */
  accounts: number;
  lotsExpired: number;
  pointsExpired: number;
  /** Accounts are done in key order: the last one done (a resumed run goes on after it). */
  afterCustomer: string;
}

/** Operations' own records: rules versions, the audit trail, replays, the read-view switch and the expiry runs. */
export interface OperationsStore {
  rulesVersions(): Promise<RulesVersionRecord[]>;
  /** Inserts a new version; false (nothing written) if that program version exists. */
  insertRulesVersion(record: RulesVersionRecord, audit: NewAuditEntry): Promise<boolean>;
  updateRulesVersion(record: RulesVersionRecord, audit: NewAuditEntry): Promise<void>;
  auditTrail(options?: { afterSeq?: number; limit?: number }): Promise<AuditTrailEntry[]>;
  appendAudit(entry: NewAuditEntry): Promise<void>;
  saveReplay(record: ReplayRecord): Promise<void>;
  replay(id: string): Promise<ReplayRecord | null>;
  replays(): Promise<ReplayRecord[]>;
  saveReRating(record: ReRatingRecord): Promise<void>;
  reRating(id: string): Promise<ReRatingRecord | null>;
  readView(): Promise<ReadViewRecord>;
  /**
   * Switches the read view if it is still `expectedReplayId` (compare-and-set), writing the
   * audit entry in the same transaction. False if someone switched it first.
   */
  switchReadView(expectedReplayId: string | null, next: ReadViewRecord, audit: NewAuditEntry): Promise<boolean>;
  /**
   * Claims, or renews, the right to run a replay's runners until `leaseUntil` (ISO-8601 UTC):
   * true when nobody holds it, the holder's lease ended before `now`, or `owner` holds it
   * already. With several API instances on one store, each replay then has one writer of its
   * shadow tables; an instance that dies is replaced once its lease has run out.
   */
  claimReplayRunner(replayId: string, owner: string, now: string, leaseUntil: string): Promise<boolean>;
  /** Gives a claim up (on shutdown), so that another instance may take the replay over at once. */
  releaseReplayRunner(replayId: string, owner: string): Promise<void>;
  /** The latest expiry run (running or completed), or null before the first. */
  latestExpiryRun(): Promise<ExpiryRunRecord | null>;
  /**
   * Stores the run as the latest if the latest is still `expectedRunId` (null: there is none),
   * or is this run (progress of one run): a compare-and-set, so that of two job instances only
   * one starts the next run. With `audit`, the entry is written in the same transaction.
   */
  saveExpiryRun(record: ExpiryRunRecord, expectedRunId: string | null, audit?: NewAuditEntry): Promise<boolean>;
  close(): Promise<void>;
}

export const OPERATIONS_STORE = Symbol('OPERATIONS_STORE');

export const LIVE_READ_VIEW: ReadViewRecord = { replayId: null, previousReplayId: null, switchedAt: null, switchedBy: null };
