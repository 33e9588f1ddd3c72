import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventStore } from '@loyalty/event-store';
import { ProjectionRunner, StaleProjectionWriterError, type ProjectionStore } from '@loyalty/projection-runner';
import { PROJECTION_REGISTRY, projectionKey, registeredProjection, type CustomerProjection } from '@loyalty/read-models';
import type { OperationsStore, ReplayRecord } from '../operations-store/operations-store.port';
import type { RulesCatalog } from '../rules-lifecycle/rules-catalog';
import { replayImpact, type ImpactReport } from './impact-report';
import { replayProgress } from './replay-progress';
import type { OperationsReadView } from './operations-read-view';
import { ReplayLeases } from './replay-leases';

function projectionNamed(name: string): CustomerProjection<unknown> {
  const projection = registeredProjection(name);
  if (!projection) throw new ReplayError('REPLAY.UNKNOWN_PROJECTION', `unknown projection ${name}`);
  return projection;
}

export class ReplayError extends Error {
  constructor(
    readonly code:
      | 'REPLAY.NOT_FOUND'
      | 'REPLAY.NOT_READY'
      | 'REPLAY.NOT_PROMOTED'
      | 'REPLAY.VIEW_CHANGED'
      | 'REPLAY.UNKNOWN_PROJECTION'
      | 'REPLAY.TOO_MANY_RUNNING'
      | 'REPLAY.IN_USE'
      | 'REPLAY.CANCELLED',
    message: string,
  ) {
    super(message);
    this.name = 'ReplayError';
  }
}

export interface StartReplay {
  candidateVersion: number;
  /** Projection names (default: all). */
  projections?: string[];
  throttleEventsPerSecond?: number;
  actor: string;
}

export interface ReplayServiceOptions {
  /** Events per page of a rebuild in position order. */
  batchSize?: number;
  /** Streams (customers) per page of a rebuild by stream. */
  streamsPerPage?: number;
  commitEveryEvents?: number;
  progressEveryMs?: number;
  onProgress?(record: ReplayRecord): void;
  /** Who this instance is in the replays' runner claims (default: host, pid and a random suffix). */
  owner?: string;
  /** How long a claim lasts unless renewed (renewed every third of it); an instance that dies is replaced after it. */
  leaseMs?: number;
  /** At most this many replays catching up at once (a start beyond it is refused); default 2. */
  maxConcurrent?: number;
  /** The throttle of a replay started without one (events per second, its projections together); default 20,000. */
  defaultThrottleEventsPerSecond?: number;
}

/** Admission defaults: on the embedded default's two cores, two throttled replays leave reads and writes their pace. */
export const REPLAY_ADMISSION_DEFAULTS = { maxConcurrent: 2, defaultThrottleEventsPerSecond: 20_000 };

/**
 * Shadow rebuilds ("replays"): the chosen projections rebuilt from position zero into their
 * own tables for a candidate rules version, while the live ones keep serving and ingestion
 * goes on. Then an impact report (live view against the replay's view), promote (reads switch
 * to the replay's tables and rules in one compare-and-set) and roll back (they switch back).
 * Every step is in the operations audit trail. Progress is stored, so a crash resumes from
 * the shadow tables' checkpoints.
 */
export class ReplayService {
  private readonly running = new Map<string, ProjectionRunner<unknown>[]>();
  private readonly done = new Map<string, Promise<void>>();
  /** Replays whose claim is being asked for, so that a sweep and a start do not launch one twice. */
  private readonly claiming = new Set<string>();
  private sweeper: NodeJS.Timeout | null = null;
  /** Starts one at a time in this instance, so that two cannot both take the last place. */
  private admitting: Promise<unknown> = Promise.resolve();
  private readonly leases: ReplayLeases;

  constructor(
    private readonly ledger: EventStore,
    private readonly projections: ProjectionStore,
    private readonly operations: OperationsStore,
    private readonly catalog: RulesCatalog,
    private readonly view: OperationsReadView,
    private readonly clock: () => Date,
    private readonly options: ReplayServiceOptions = {},
  ) {
    this.leases = new ReplayLeases(operations, options.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`, options.leaseMs ?? 30_000);
  }

  /** Admits the replay if fewer than the maximum are catching up (REPLAY.TOO_MANY_RUNNING otherwise), and starts it. */
  start(request: StartReplay): Promise<ReplayRecord> {
    const admitted = this.admitting.then(async () => {
      const max = this.options.maxConcurrent ?? REPLAY_ADMISSION_DEFAULTS.maxConcurrent;
      const catchingUp = (await this.operations.replays()).filter((r) => r.status === 'running');
      if (catchingUp.length >= max) {
        throw new ReplayError(
          'REPLAY.TOO_MANY_RUNNING',
          `${catchingUp.length} replays are catching up (${catchingUp.map((r) => r.id).join(', ')}), the most allowed at once is ${max}: wait for one to be ready, or cancel one`,
        );
      }
      return this.admit(request);
    });
    this.admitting = admitted.catch(() => undefined);
    return admitted;
  }

  private async admit(request: StartReplay): Promise<ReplayRecord> {
    await this.catalog.rules(request.candidateVersion); // must exist
    const names = request.projections ?? PROJECTION_REGISTRY.map((p) => p.name);
    const unknown = names.filter((n) => !PROJECTION_REGISTRY.some((p) => p.name === n));
    if (unknown.length)
      throw new ReplayError(
        'REPLAY.UNKNOWN_PROJECTION',
        `unknown projection(s): ${unknown.join(', ')}; replayable: ${PROJECTION_REGISTRY.map((p) => p.name).join(', ')}`,
      );
    const now = this.clock();
    const id = `r-${now.toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    const keys = Object.fromEntries(names.map((n) => [n, `${projectionKey(projectionNamed(n))}__${id}`]));
    const record: ReplayRecord = {
      id,
      programId: (await this.catalog.rules(request.candidateVersion)).id,
      candidateVersion: request.candidateVersion,
      keys,
      status: 'running',
      throttleEventsPerSecond:
        request.throttleEventsPerSecond ?? this.options.defaultThrottleEventsPerSecond ?? REPLAY_ADMISSION_DEFAULTS.defaultThrottleEventsPerSecond,
      createdBy: request.actor,
      createdAt: now.toISOString(),
      progress: {
        eventsDone: 0,
        head: (await this.ledger.headPosition()).toString(),
        position: '0',
        ratePerSecond: 0,
        etaSeconds: null,
        updatedAt: now.toISOString(),
      },
      impact: null,
      error: null,
    };
    await this.operations.saveReplay(record);
    await this.operations.appendAudit({
      at: now.toISOString(),
      actor: request.actor,
      action: 'replay.started',
      subject: id,
      details: { candidateVersion: request.candidateVersion, projections: names, throttleEventsPerSecond: record.throttleEventsPerSecond },
    });
    await this.launch(record);
    return record;
  }

  /**
   * After a restart: running replays resume from their checkpoints; ready or promoted ones
   * follow the ledger again. Only those this instance can claim: another instance may be
   * running them. Resolves with the replays running here.
   */
  async resumeAll(): Promise<string[]> {
    const here: string[] = [];
    for (const record of await this.operations.replays()) {
      if (record.status === 'running' || record.status === 'ready' || record.status === 'promoted') {
        if (await this.launch(record)) here.push(record.id);
      }
    }
    return here;
  }

  /** The replays whose runners run in this instance. */
  runningHere(): string[] {
    return [...this.running.keys()];
  }

  /** Looks for replays whose instance died (its claim ran out) every `intervalMs`, and takes them over. */
  takeOverOrphans(intervalMs = this.leases.leaseMs): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => void this.resumeAll().catch(() => undefined), intervalMs);
    this.sweeper.unref();
  }

  async get(id: string): Promise<ReplayRecord> {
    const record = await this.operations.replay(id);
    if (!record) throw new ReplayError('REPLAY.NOT_FOUND', `no replay ${id}`);
    return record;
  }

  /**
   * The impact report as of any instant (the one saved at catch-up is as of that moment): the
   * live tables under the rules in force then against the replay's tables under its candidate.
   */
  async impactAsOf(id: string, asOf: string): Promise<ImpactReport> {
    const record = await this.get(id);
    if (!record.impact) throw new ReplayError('REPLAY.NOT_READY', `replay ${id} is ${record.status}; its tables have not caught up yet`);
    return replayImpact(record, this.catalog, this.projections, asOf);
  }

  list(): Promise<ReplayRecord[]> {
    return this.operations.replays();
  }

  /** Resolves once the replay has caught up and its impact report is stored (or it failed). */
  async settled(id: string): Promise<ReplayRecord> {
    await this.done.get(id);
    return this.get(id);
  }

  async promote(id: string, actor: string): Promise<ReplayRecord> {
    const record = await this.get(id);
    if (record.status !== 'ready' && record.status !== 'rolled-back')
      throw new ReplayError('REPLAY.NOT_READY', `replay ${id} is ${record.status}; only a ready (caught-up, impact reported) replay can be promoted`);
    const current = await this.operations.readView();
    const at = this.clock().toISOString();
    const switched = await this.operations.switchReadView(
      current.replayId,
      { replayId: id, previousReplayId: current.replayId, switchedAt: at, switchedBy: actor },
      { at, actor, action: 'replay.promoted', subject: id, details: { previousReplayId: current.replayId, candidateVersion: record.candidateVersion } },
    );
    if (!switched) throw new ReplayError('REPLAY.VIEW_CHANGED', 'the read view was switched by someone else meanwhile; look again and retry');
    if (current.replayId) await this.setStatus(current.replayId, 'ready');
    const promoted = await this.setStatus(id, 'promoted');
    await this.view.refresh();
    return promoted;
  }

  async rollback(id: string, actor: string): Promise<ReplayRecord> {
    const current = await this.operations.readView();
    if (current.replayId !== id) throw new ReplayError('REPLAY.NOT_PROMOTED', `replay ${id} is not the one reads use (${current.replayId ?? 'live'})`);
    const at = this.clock().toISOString();
    const back = current.previousReplayId;
    const switched = await this.operations.switchReadView(
      id,
      { replayId: back, previousReplayId: null, switchedAt: at, switchedBy: actor },
      { at, actor, action: 'replay.rolled-back', subject: id, details: { restored: back ?? 'live' } },
    );
    if (!switched) throw new ReplayError('REPLAY.VIEW_CHANGED', 'the read view was switched by someone else meanwhile; look again and retry');
    if (back) await this.setStatus(back, 'promoted');
    const rolledBack = await this.setStatus(id, 'rolled-back');
    await this.view.refresh();
    return rolledBack;
  }

  /**
   * Stops the replay wherever it runs and drops its tables; the record stays, cancelled (the
   * audit trail says who). The replay reads use must be rolled back first.
   */
  async cancel(id: string, actor: string): Promise<ReplayRecord> {
    const record = await this.get(id);
    if (record.status === 'cancelled') return record;
    if ((await this.operations.readView()).replayId === id)
      throw new ReplayError('REPLAY.IN_USE', `replay ${id} is the one reads use: roll it back before cancelling it`);
    // Cancelled first: an instance running it sees the status at its next lease renewal and stops.
    const cancelled = await this.setStatus(id, 'cancelled');
    await this.abandon(id);
    await this.leases.release(id).catch(() => undefined);
    await this.done.get(id)?.catch(() => undefined);
    await this.dropTables(cancelled);
    await this.operations.appendAudit({
      at: this.clock().toISOString(),
      actor,
      action: 'replay.cancelled',
      subject: id,
      details: { previousStatus: record.status, droppedTables: Object.values(record.keys) },
    });
    return cancelled;
  }

  private async dropTables(record: ReplayRecord): Promise<void> {
    for (const key of Object.values(record.keys)) await this.projections.drop(key);
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const id of [...this.running.keys()]) {
      await this.abandon(id);
      await this.leases.release(id).catch(() => undefined);
    }
  }

  /** Stops running a replay here (shut down, or its claim was lost to another instance). */
  private async abandon(id: string): Promise<void> {
    this.leases.stopKeeping(id);
    const runners = this.running.get(id) ?? [];
    this.running.delete(id);
    for (const r of runners) await r.stop();
  }

  private async setStatus(id: string, status: ReplayRecord['status']): Promise<ReplayRecord> {
    const record = { ...(await this.get(id)), status };
    await this.operations.saveReplay(record);
    return record;
  }

  /** Runs the replay's runners here if this instance holds (or gets) its claim; false if another instance runs it. */
  private async launch(record: ReplayRecord): Promise<boolean> {
    if (this.running.has(record.id)) return true;
    if (this.claiming.has(record.id)) return false;
    this.claiming.add(record.id);
    try {
      if (!(await this.leases.claim(record.id))) return false;
    } finally {
      this.claiming.delete(record.id);
    }
    if (this.running.has(record.id)) return true;
    this.leases.keep(record.id, async (held) => {
      if (!held) return this.abandon(record.id);
      // Cancelled through another instance: stop, and drop what this one may have written since.
      if ((await this.operations.replay(record.id))?.status === 'cancelled') {
        await this.abandon(record.id);
        await this.dropTables(record);
        await this.leases.release(record.id);
      }
    });
    const started = Date.now();
    const applied = new Map<string, number>();
    const positions = new Map<string, bigint>();
    let lastSaved = 0;
    let head = BigInt(record.progress.head);
    const runners = Object.entries(record.keys).map(([name, key]) => {
      const projection = projectionNamed(name);
      return new ProjectionRunner(this.ledger, this.projections, projection, {
        key,
        // Small pages: the event loop turns between them, so HTTP and ingestion in the same process keep their pace.
        batchSize: this.options.batchSize ?? 1000,
        // About as many events as a page in position order (a customer has tens of entries).
        streamsPerPage: this.options.streamsPerPage ?? 40,
        commitEveryEvents: this.options.commitEveryEvents ?? 50_000,
        // The throttle is for the whole replay: shared between its projections.
        maxEventsPerSecond: record.throttleEventsPerSecond ? record.throttleEventsPerSecond / Object.keys(record.keys).length : undefined,
        // A live-following runner that fails (or was fenced out by another instance's runner)
        // stops here; its claim is given up, so that the orphan sweep resumes it from its checkpoint.
        onError: (error) => {
          if (!this.running.has(record.id)) return;
          void this.abandon(record.id)
            .then(() => (error instanceof StaleProjectionWriterError ? undefined : this.leases.release(record.id)))
            .catch(() => undefined);
        },
        onPage: (_k, events, position) => {
          applied.set(name, (applied.get(name) ?? 0) + events);
          positions.set(name, position);
          if (Date.now() - lastSaved > (this.options.progressEveryMs ?? 1000)) {
            lastSaved = Date.now();
            void this.saveProgress(record.id, runners.length, applied, positions, head, started);
          }
        },
      });
    });
    this.running.set(record.id, runners);
    const run = async () => {
      try {
        if (record.status === 'running') {
          await Promise.all(runners.map((r) => r.catchUp()));
          if (!this.running.has(record.id)) return; // stopped here (shutdown, or taken over elsewhere)
          head = await this.ledger.headPosition();
          await this.saveProgress(record.id, runners.length, applied, positions, head, started, true);
          const impact = await replayImpact(record, this.catalog, this.projections, this.clock().toISOString());
          const latest = await this.get(record.id);
          if (latest.status === 'cancelled') return;
          await this.operations.saveReplay({ ...latest, status: 'ready', impact });
          await this.operations.appendAudit({
            at: this.clock().toISOString(),
            actor: 'system',
            action: 'replay.ready',
            subject: record.id,
            details: { affectedCustomers: impact.affectedCustomers, liabilityDeltaMinor: impact.liability.deltaValueMinor },
          });
        }
        // Caught up: keep the shadow tables following the ledger, so a promotion loses nothing.
        for (const r of runners) if (this.running.has(record.id)) await r.start();
      } catch (error) {
        // Stopped because another instance took the replay over (its runners claimed the shadow
        // tables after this one's lease ran out): not a failure of the replay.
        if (!this.running.has(record.id)) return;
        if (error instanceof StaleProjectionWriterError) {
          await this.abandon(record.id);
          return;
        }
        const latest = await this.operations.replay(record.id);
        if (latest && latest.status !== 'cancelled') await this.operations.saveReplay({ ...latest, status: 'failed', error: (error as Error).message });
        await this.abandon(record.id);
        await this.leases.release(record.id).catch(() => undefined);
      }
    };
    this.done.set(record.id, run());
    return true;
  }

  private async saveProgress(
    id: string,
    projections: number,
    applied: Map<string, number>,
    positions: Map<string, bigint>,
    head: bigint,
    started: number,
    final = false,
  ): Promise<void> {
    const latest = await this.operations.replay(id);
    if (!latest) return;
    latest.progress = replayProgress({
      projections,
      applied,
      positions,
      head,
      startedMs: started,
      nowMs: Date.now(),
      final,
      updatedAt: this.clock().toISOString(),
    });
    await this.operations.saveReplay(latest);
    this.options.onProgress?.(latest);
  }
}
