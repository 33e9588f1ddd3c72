import { useEffect, useState } from 'react';
import { ok } from '../api';
import { n, when } from '../format';
import { useSession } from '../session';
import { ErrorState, Loadable, Page, Panel, RequireRole, Stat, Table } from '../ui';
import { useApi } from '../use-api';

/** Rules versions and their diffs; replays of a candidate with live progress and impact; promote or roll back; the audit trail. */
export function RulesPage() {
  const [replayId, setReplayId] = useState<string | null>(null);
  return (
    <Page title="Rules and replays">
      <RequireRole roles={['finance', 'ops']} what="Rules and replays">
        <div className="grid">
          <Versions onReplay={setReplayId} />
          <Replays chosen={replayId} onChoose={setReplayId} />
          {replayId ? <Replay id={replayId} /> : null}
          <AuditTrail />
        </div>
      </RequireRole>
    </Page>
  );
}

function Versions({ onReplay }: { onReplay: (id: string) => void }) {
  const { api, may } = useSession();
  const versions = useApi(() => ok(api.GET('/v1/rules')), []);
  const [diffOf, setDiffOf] = useState<{ version: number; against: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const start = async (candidateVersion: number) => {
    setError(null);
    try {
      const replay = await ok(api.POST('/v1/replays', { body: { candidateVersion } }));
      onReplay(replay.id);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Panel title="Rules versions" wide>
      <Loadable loaded={versions} empty={(v) => v.length === 0}>
        {(v) => (
          <Table
            testId="rules-versions"
            rows={v}
            exportAs="rules-versions.csv"
            rowKey={(r) => String(r.version)}
            columns={[
              { title: 'Version', value: (r) => r.version, numeric: true },
              { title: 'Status', value: (r) => r.status },
              { title: 'Effective from', value: (r) => when(r.effectiveFrom) },
              { title: 'Submitted', value: (r) => (r.submittedBy ? `${r.submittedBy}, ${when(r.submittedAt)}` : '—') },
              {
                title: '',
                value: (r) => (
                  <span className="page-actions">
                    {r.version > 1 ? (
                      <button type="button" className="secondary" onClick={() => setDiffOf({ version: r.version, against: r.version - 1 })}>
                        Diff with v{r.version - 1}
                      </button>
                    ) : null}
                    {r.status === 'proposed' && may('ops') ? (
                      <button type="button" data-testid={`replay-v${r.version}`} onClick={() => start(r.version)}>
                        Replay v{r.version}
                      </button>
                    ) : null}
                  </span>
                ),
              },
            ]}
          />
        )}
      </Loadable>
      {error ? <ErrorState error={error} /> : null}
      {diffOf ? <Diff {...diffOf} /> : null}
    </Panel>
  );
}

function Diff({ version, against }: { version: number; against: number }) {
  const { api } = useSession();
  const diff = useApi(() => ok(api.GET('/v1/rules/{version}/diff', { params: { path: { version }, query: { against } } })), [version, against]);
  return (
    <div>
      <h3>
        v{version} against v{against}
      </h3>
      <Loadable loaded={diff} empty={(d) => d.lines.length === 0}>
        {(d) => (
          <ul>
            {d.lines.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        )}
      </Loadable>
    </div>
  );
}

function Replays({ chosen, onChoose }: { chosen: string | null; onChoose: (id: string) => void }) {
  const { api } = useSession();
  const replays = useApi(() => ok(api.GET('/v1/replays')), [chosen]);
  return (
    <Panel title="Replays" wide>
      <Loadable loaded={replays} empty={(r) => r.length === 0}>
        {(r) => (
          <Table
            rows={r}
            exportAs="replays.csv"
            rowKey={(x) => x.id}
            columns={[
              {
                title: 'Replay',
                csv: (x) => x.id,
                value: (x) => (
                  <button type="button" className="secondary" onClick={() => onChoose(x.id)}>
                    {x.id}
                  </button>
                ),
              },
              { title: 'Candidate', value: (x) => `v${x.candidateVersion}` },
              { title: 'Status', value: (x) => x.status },
              { title: 'Started', value: (x) => `${x.createdBy}, ${when(x.createdAt)}` },
              { title: 'Events', value: (x) => n(x.progress.eventsDone), numeric: true },
            ]}
          />
        )}
      </Loadable>
    </Panel>
  );
}

/** One replay, polled while it runs: progress (events, rate, ETA), then its impact; promote or roll back with a confirmation. */
function Replay({ id }: { id: string }) {
  const { api, may } = useSession();
  const replay = useApi(() => ok(api.GET('/v1/replays/{id}', { params: { path: { id } } })), [id]);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const running = replay.state === 'ok' && replay.data.status === 'running';
  const { reload } = replay;
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(reload, 1000);
    return () => clearTimeout(timer);
  }, [running, replay, reload]);
  const act = async (action: 'promote' | 'rollback' | 'cancel', question: string) => {
    if (!window.confirm(question)) return;
    setError(null);
    try {
      if (action === 'promote') await ok(api.POST('/v1/replays/{id}/promote', { params: { path: { id } } }));
      else if (action === 'rollback') await ok(api.POST('/v1/replays/{id}/rollback', { params: { path: { id } } }));
      else await ok(api.POST('/v1/replays/{id}/cancel', { params: { path: { id } } }));
      setDone(`${action} done`);
      reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Panel title={`Replay ${id}`} wide>
      <Loadable loaded={replay}>
        {(r) => (
          <>
            <div className="stats">
              <Stat label="Status" value={r.status} testId="replay-status" />
              <Stat label="Events done" value={n(r.progress.eventsDone)} />
              <Stat label="Rate" value={`${n(r.progress.ratePerSecond)}/s`} />
              <Stat label="ETA" value={r.progress.etaSeconds === null || r.progress.etaSeconds === undefined ? '—' : `${n(r.progress.etaSeconds)} s`} />
            </div>
            {r.error ? <p className="error-text">{r.error}</p> : null}
            {may('ops') ? (
              <div className="page-actions">
                {r.status === 'ready' ? (
                  <button type="button" onClick={() => act('promote', `Promote replay ${id}? Reads switch to v${r.candidateVersion}.`)}>
                    Promote
                  </button>
                ) : null}
                {r.status === 'promoted' ? (
                  <button type="button" className="danger" onClick={() => act('rollback', `Roll back replay ${id}? Reads switch back.`)}>
                    Roll back
                  </button>
                ) : null}
                {r.status === 'running' || r.status === 'ready' ? (
                  <button type="button" className="secondary" onClick={() => act('cancel', `Cancel replay ${id}? Its tables are dropped.`)}>
                    Cancel
                  </button>
                ) : null}
              </div>
            ) : null}
            {done ? <p className="ok-text">{done}</p> : null}
            {error ? <ErrorState error={error} /> : null}
            {r.impact ? <Impact impact={r.impact as unknown as ImpactReport} /> : null}
          </>
        )}
      </Loadable>
    </Panel>
  );
}

interface Transition {
  from: string;
  to: string;
  customers: number;
}
interface ImpactReport {
  asOf: string;
  customers: number;
  affectedCustomers: number;
  tierTransitions: Transition[];
  segmentChanges: Transition[];
  classificationChanges: Transition[];
  liability: { livePoints: number; candidatePoints: number; deltaPoints: number; deltaValueMinor: number };
  sample: { customerId: string; tier: { from: string; to: string }; segment: { from: string; to: string } }[];
}

function Impact({ impact }: { impact: ImpactReport }) {
  return (
    <>
      <div className="stats">
        <Stat label="Customers" value={n(impact.customers)} />
        <Stat label="Affected" value={n(impact.affectedCustomers)} />
        <Stat label="Liability, live" value={n(impact.liability.livePoints)} />
        <Stat label="Liability, candidate" value={n(impact.liability.candidatePoints)} />
        <Stat label="Delta" value={n(impact.liability.deltaPoints)} />
      </div>
      <h3>Tier transitions</h3>
      <HeatMap transitions={impact.tierTransitions} testId="tier-matrix" />
      <h3>Segment changes</h3>
      <HeatMap transitions={impact.segmentChanges} />
      <h3>Classification changes</h3>
      <HeatMap transitions={impact.classificationChanges} />
      <h3>Affected customers (sample)</h3>
      <Table
        rows={impact.sample}
        exportAs="affected-customers.csv"
        rowKey={(s) => s.customerId}
        columns={[
          { title: 'Customer', value: (s) => s.customerId },
          { title: 'Tier', value: (s) => `${s.tier.from} → ${s.tier.to}` },
          { title: 'Segment', value: (s) => `${s.segment.from} → ${s.segment.to}` },
        ]}
      />
    </>
  );
}

/** A from × to matrix, each cell shaded by its share of the largest count. */
function HeatMap({ transitions, testId }: { transitions: Transition[]; testId?: string }) {
  if (transitions.length === 0) return <div className="state empty">No customers.</div>;
  const froms = [...new Set(transitions.map((t) => t.from))].sort();
  const tos = [...new Set(transitions.map((t) => t.to))].sort();
  const max = Math.max(...transitions.map((t) => t.customers));
  const count = (from: string, to: string) => transitions.find((t) => t.from === from && t.to === to)?.customers ?? 0;
  return (
    <div className="table-wrap">
      <table className="heat" data-testid={testId}>
        <thead>
          <tr>
            <th>live ↓ / candidate →</th>
            {tos.map((to) => (
              <th key={to}>{to}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {froms.map((from) => (
            <tr key={from}>
              <th>{from}</th>
              {tos.map((to) => {
                const c = count(from, to);
                const alpha = c === 0 ? 0 : 0.15 + (0.75 * c) / max;
                return (
                  <td key={to} style={{ background: `rgba(47, 91, 211, ${alpha})`, color: alpha > 0.55 ? '#fff' : undefined }} data-from={from} data-to={to}>
                    {n(c)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AuditTrail() {
  const { api } = useSession();
  const trail = useApi(() => ok(api.GET('/v1/operations/audit-trail', { params: { query: { limit: 100 } } })), []);
  return (
    <Panel title="Operations audit trail" wide>
      <Loadable loaded={trail} empty={(t) => t.length === 0}>
        {(t) => (
          <Table
            rows={[...t].reverse()}
            exportAs="audit-trail.csv"
            rowKey={(e) => String(e.seq)}
            columns={[
              { title: 'When', value: (e) => when(e.at) },
              { title: 'Who', value: (e) => e.actor },
              { title: 'What', value: (e) => e.action },
              { title: 'Subject', value: (e) => e.subject },
            ]}
          />
        )}
      </Loadable>
    </Panel>
  );
}
