import { defaultProgramRules, rulesContentHash } from '@loyalty/program-rules';
import type { OperationsStore, ReplayRecord, RulesVersionRecord } from './operations-store.port';

const audit = (action: string) => ({ at: '2026-11-01T00:00:00.000Z', actor: 'ops-1', action, subject: 's', details: { n: 1 } });

function version(v: number): RulesVersionRecord {
  const rules = { ...defaultProgramRules(), version: v };
  return {
    programId: rules.id,
    version: v,
    rules,
    hash: rulesContentHash(rules),
    status: 'proposed',
    submittedBy: 'ops-1',
    submittedAt: '2026-11-01T00:00:00.000Z',
    scheduledBy: null,
    scheduledAt: null,
  };
}

function replay(id: string): ReplayRecord {
  return {
    id,
    programId: 'p',
    candidateVersion: 2,
    keys: { balances: `balances_v2__${id}` },
    status: 'running',
    throttleEventsPerSecond: null,
    createdBy: 'ops-1',
    createdAt: '2026-11-01T00:00:00.000Z',
    progress: { eventsDone: 0, head: '10', position: '0', ratePerSecond: 0, etaSeconds: null, updatedAt: '2026-11-01T00:00:00.000Z' },
    impact: null,
    error: null,
  };
}

/** What every operations store must do; run by each adapter's spec. */
export function operationsStoreContract(
  name: string,
  open: () => Promise<OperationsStore>,
  reopen?: (store: OperationsStore) => Promise<OperationsStore>,
): void {
  describe(`OperationsStore contract: ${name}`, () => {
    let store: OperationsStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => store.close());

    it('inserts a rules version once (a second insert of the same version writes nothing), updates it, and records both in the audit trail', async () => {
      expect(await store.insertRulesVersion(version(2), audit('rules.submitted'))).toBe(true);
      expect(await store.insertRulesVersion({ ...version(2), submittedBy: 'someone else' }, audit('rules.submitted'))).toBe(false);
      await store.updateRulesVersion({ ...version(2), status: 'scheduled', scheduledBy: 'ops-2' }, audit('rules.scheduled'));
      expect(await store.insertRulesVersion(version(3), audit('rules.submitted'))).toBe(true);
      const versions = await store.rulesVersions();
      expect(versions.map((v) => [v.version, v.status, v.submittedBy])).toEqual([
        [2, 'scheduled', 'ops-1'],
        [3, 'proposed', 'ops-1'],
      ]);
      expect(versions[0].rules).toEqual(version(2).rules);
      const trail = await store.auditTrail();
      expect(trail.map((e) => [e.seq, e.action])).toEqual([
        [1, 'rules.submitted'],
        [2, 'rules.scheduled'],
        [3, 'rules.submitted'],
      ]);
      expect((await store.auditTrail({ afterSeq: 2 })).map((e) => e.seq)).toEqual([3]);
    });

    it('saves and reloads replays, and switches the read view only from the expected one (compare-and-set), with its audit entry', async () => {
      await store.saveReplay(replay('r-1'));
      await store.saveReplay({ ...replay('r-1'), status: 'ready' });
      expect((await store.replay('r-1'))?.status).toBe('ready');
      expect(await store.replay('nope')).toBeNull();
      expect((await store.readView()).replayId).toBeNull();
      const promoted = { replayId: 'r-1', previousReplayId: null, switchedAt: '2026-11-02T00:00:00.000Z', switchedBy: 'ops-2' };
      expect(await store.switchReadView(null, promoted, audit('replay.promoted'))).toBe(true);
      expect(await store.switchReadView(null, { ...promoted, replayId: 'r-2' }, audit('replay.promoted'))).toBe(false);
      expect(await store.readView()).toEqual(promoted);
      expect((await store.auditTrail()).map((e) => e.action)).toEqual(['replay.promoted']);
    });

    it('lets exactly one of two simultaneous promotions from the same view win, and numbers concurrent audit entries without gaps', async () => {
      const next = (replayId: string) => ({ replayId, previousReplayId: null, switchedAt: '2026-11-02T00:00:00.000Z', switchedBy: 'ops-2' });
      const outcomes = await Promise.all([
        store.switchReadView(null, next('r-a'), audit('replay.promoted')),
        store.switchReadView(null, next('r-b'), audit('replay.promoted')),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect((await store.readView()).replayId).toBe(outcomes[0] ? 'r-a' : 'r-b');
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.appendAudit(audit(`ops.note-${i}`))));
      const trail = await store.auditTrail();
      expect(trail.map((e) => e.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
      expect(trail.filter((e) => e.action === 'replay.promoted')).toHaveLength(1);
    });

    it("gives a replay's runner to one owner at a time: renewed by its holder, taken over after the lease ends or is released", async () => {
      const at = (s: number) => new Date(Date.UTC(2026, 10, 1, 0, 0, s)).toISOString();
      const claims = await Promise.all([
        store.claimReplayRunner('r-1', 'instance-a', at(0), at(30)),
        store.claimReplayRunner('r-1', 'instance-b', at(0), at(30)),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      const [holder, other] = claims[0] ? ['instance-a', 'instance-b'] : ['instance-b', 'instance-a'];
      expect(await store.claimReplayRunner('r-1', holder, at(10), at(40))).toBe(true); // renewal
      expect(await store.claimReplayRunner('r-1', other, at(35), at(65))).toBe(false); // still within the renewed lease
      expect(await store.claimReplayRunner('r-2', other, at(35), at(65))).toBe(true); // another replay is free
      expect(await store.claimReplayRunner('r-1', other, at(41), at(71))).toBe(true); // the holder stopped renewing
      expect(await store.claimReplayRunner('r-1', holder, at(42), at(72))).toBe(false);
      await store.releaseReplayRunner('r-1', holder); // not the holder any more: changes nothing
      expect(await store.claimReplayRunner('r-1', holder, at(43), at(73))).toBe(false);
      await store.releaseReplayRunner('r-1', other);
      expect(await store.claimReplayRunner('r-1', holder, at(44), at(74))).toBe(true);
    });

    it('starts one expiry run at a time (compare-and-set on the latest), keeps its progress, and audits what it says to', async () => {
      const run = (runId: string, status: 'running' | 'completed' = 'running') => ({
        runId,
        cutoff: runId.slice(7),
        status,
        startedAt: 'x',
        completedAt: status === 'completed' ? 'y' : null,
        accounts: 0,
        lotsExpired: 0,
        pointsExpired: 0,
        afterCustomer: '',
      });
      expect(await store.latestExpiryRun()).toBeNull();
      const starts = await Promise.all([store.saveExpiryRun(run('expiry-a'), null), store.saveExpiryRun(run('expiry-b'), null)]);
      expect(starts.filter(Boolean)).toHaveLength(1);
      const winner = starts[0] ? 'expiry-a' : 'expiry-b';
      expect(await store.saveExpiryRun({ ...run(winner), accounts: 5 }, null)).toBe(true); // progress of the same run
      expect(await store.saveExpiryRun(run('expiry-c'), 'expiry-z')).toBe(false); // not after the latest
      expect(await store.saveExpiryRun({ ...run(winner, 'completed'), lotsExpired: 7 }, winner, audit('expiry.run-completed'))).toBe(true);
      expect(await store.latestExpiryRun()).toEqual({ ...run(winner, 'completed'), lotsExpired: 7 });
      expect(await store.saveExpiryRun(run('expiry-c'), winner)).toBe(true);
      expect((await store.latestExpiryRun())?.runId).toBe('expiry-c');
      expect((await store.auditTrail()).map((e) => e.action)).toEqual(['expiry.run-completed']);
    });

    it('saves a re-rating and reads it back after it is posted', async () => {
      const record = {
        id: 'rr-1',
        candidateVersion: 2,
        from: '2026-01-01T00:00:00.000Z',
        status: 'previewed' as const,
        createdBy: 'ops-1',
        createdAt: 'x',
        customers: 1,
        totalDeltaPoints: 5,
        deltas: [{ customerId: 'C-1', actualPoints: 10, reRatedPoints: 15, deltaPoints: 5 }],
        posted: null,
      };
      await store.saveReRating(record);
      await store.saveReRating({ ...record, status: 'posted', posted: { by: 'fin-1', at: 'y', reason: 'promo', accepted: 1, duplicates: 0, rejected: [] } });
      expect(await store.reRating('rr-1')).toMatchObject({ status: 'posted', deltas: record.deltas, posted: { by: 'fin-1' } });
      expect(await store.reRating('rr-2')).toBeNull();
    });

    if (reopen) {
      it('keeps everything across a reopen', async () => {
        await store.insertRulesVersion(version(4), audit('rules.submitted'));
        await store.saveReplay(replay('r-9'));
        await store.switchReadView(null, { replayId: 'r-9', previousReplayId: null, switchedAt: 'x', switchedBy: 'y' }, audit('replay.promoted'));
        store = await reopen(store);
        expect((await store.rulesVersions()).map((v) => v.version)).toEqual([4]);
        expect((await store.replay('r-9'))?.id).toBe('r-9');
        expect((await store.readView()).replayId).toBe('r-9');
        expect(await store.auditTrail()).toHaveLength(2);
      });
    }
  });
}
