import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { ok } from '../api';
import { n, when } from '../format';
import { useSession } from '../session';
import { ErrorState, Loadable, Page, Panel, RequireRole, Stat, Table } from '../ui';
import { useApi } from '../use-api';

/** One customer: the account with its reasons, the ledger entries with provenance and postings, and what the key may do. */
export function CustomerPage({ id }: { id?: string }) {
  const [, navigate] = useLocation();
  const [search, setSearch] = useState(id ?? '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (search.trim()) navigate(`/customers/${encodeURIComponent(search.trim())}`);
  };
  return (
    <Page
      title={id ? `Customer ${id}` : 'Customer'}
      actions={
        <form onSubmit={submit} className="field">
          <input name="customerId" placeholder="customer id" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Customer id" />
          <button type="submit">Open</button>
        </form>
      }
    >
      <RequireRole roles={['ingest', 'redeem', 'finance', 'ops']} what="An account">
        {id ? <Customer id={id} /> : <div className="state empty">Search a customer by id.</div>}
      </RequireRole>
    </Page>
  );
}

function Customer({ id }: { id: string }) {
  const { api } = useSession();
  const account = useApi(() => ok(api.GET('/v1/accounts/{customerId}', { params: { path: { customerId: id }, query: { include: 'insights' } } })), [id]);
  return (
    <div className="grid">
      <Panel title="Account" wide>
        <Loadable loaded={account}>
          {(a) => {
            const insights = (a.insights ?? {}) as Record<string, { [key: string]: unknown } | undefined>;
            return (
              <>
                <div className="stats">
                  <Stat label="Available" value={n(a.points.available)} testId="account-available" />
                  <Stat label="Pending" value={n(a.points.pending)} />
                  <Stat label="Expiring in 30 days" value={n((a.points.expiringWithinDays as Record<string, number>)['30'])} />
                  <Stat label="Expiring in 90 days" value={n((a.points.expiringWithinDays as Record<string, number>)['90'])} />
                  <Stat label="Tier" value={a.tier.name} />
                </div>
                <p>
                  <strong>Tier:</strong> {a.tier.reason}
                </p>
                <InsightRows insights={insights} />
                <h3>Lots</h3>
                <Table
                  rows={a.lots}
                  exportAs={`lots-${id}.csv`}
                  columns={[
                    { title: 'Lot', value: (l) => l.lotId },
                    { title: 'Status', value: (l) => l.status },
                    { title: 'Left', value: (l) => n(l.remaining), numeric: true },
                    { title: 'Available from', value: (l) => when(l.availableAt) },
                    { title: 'Expires', value: (l) => when(l.expiresAt) },
                  ]}
                />
              </>
            );
          }}
        </Loadable>
      </Panel>
      {account.state === 'ok' ? <Actions id={id} onDone={account.reload} /> : null}
      <Timeline id={id} />
    </div>
  );
}

function InsightRows({ insights }: { insights: Record<string, { [key: string]: unknown } | undefined> }) {
  const rows = Object.entries(insights).filter(([, v]) => v !== undefined && v !== null);
  if (rows.length === 0) return <p className="muted">No insights from the read models yet.</p>;
  return (
    <dl className="insights">
      {rows.map(([name, value]) => (
        <div key={name}>
          <dt>
            <strong>{name}</strong>
          </dt>
          <dd>{describe(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A read model's answer in words: its name or segment, and its reason where it has one. */
function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  const v = value as Record<string, unknown>;
  const head = v.segment ?? v.class ?? v.category ?? v.name ?? v.clv ?? '';
  const reason = typeof v.reason === 'string' ? v.reason : '';
  return [head, reason].filter((x) => x !== '').join(' — ') || JSON.stringify(value);
}

function Actions({ id, onDone }: { id: string; onDone: () => void }) {
  const { api, may } = useSession();
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!may('redeem', 'ops')) return null;
  const run = async (action: () => Promise<unknown>, done: string) => {
    setError(null);
    setMessage(null);
    try {
      await action();
      setMessage(done);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  const amount = Number(points);
  return (
    <Panel title="Act on the account">
      <div className="page-actions">
        <input aria-label="Points" placeholder="points" value={points} onChange={(e) => setPoints(e.target.value)} inputMode="numeric" />
        {may('redeem') ? (
          <button
            type="button"
            disabled={!Number.isInteger(amount) || amount <= 0}
            onClick={() =>
              run(
                () =>
                  ok(
                    api.POST('/v1/accounts/{customerId}/redemptions', {
                      params: { path: { customerId: id } },
                      body: { redemptionId: `console-${crypto.randomUUID()}`, points: amount, reward: 'console' },
                    }),
                  ),
                `Redeemed ${n(amount)} points.`,
              )
            }
          >
            Redeem
          </button>
        ) : null}
        {may('ops') ? (
          <>
            <input aria-label="Reason" placeholder="reason code" value={reason} onChange={(e) => setReason(e.target.value)} />
            <button
              type="button"
              className="secondary"
              disabled={!Number.isInteger(amount) || amount === 0 || reason.trim() === ''}
              onClick={() =>
                run(
                  () =>
                    ok(
                      api.POST('/v1/accounts/{customerId}/adjustments', {
                        params: { path: { customerId: id } },
                        body: { adjustmentId: `console-${crypto.randomUUID()}`, points: amount, reasonCode: reason.trim(), note: 'adjusted in the console' },
                      }),
                    ),
                  `Adjusted by ${n(amount)} points (${reason.trim()}).`,
                )
              }
            >
              Adjust
            </button>
          </>
        ) : null}
      </div>
      {message ? <p className="ok-text">{message}</p> : null}
      {error ? <ErrorState error={error} /> : null}
    </Panel>
  );
}

function Timeline({ id }: { id: string }) {
  const { api } = useSession();
  const ledger = useApi(() => ok(api.GET('/v1/accounts/{customerId}/ledger', { params: { path: { customerId: id }, query: { limit: 500 } } })), [id]);
  return (
    <Panel title="Ledger entries" wide>
      <Loadable loaded={ledger} empty={(l) => l.entries.length === 0}>
        {(l) => (
          <Table
            testId="timeline"
            exportAs={`ledger-${id}.csv`}
            rowKey={(e) => e.eventId}
            rows={l.entries}
            columns={[
              { title: 'Rev', value: (e) => e.revision, numeric: true },
              { title: 'Entry', value: (e) => e.type },
              { title: 'Recorded', value: (e) => when(e.recordedAt) },
              {
                title: 'Provenance',
                value: (e) => <span data-testid="provenance">{provenanceOf(e.provenance as Record<string, unknown>)}</span>,
                csv: (e) => provenanceOf(e.provenance as Record<string, unknown>),
              },
              { title: 'Rules', value: (e) => rulesOf(e.rules as Record<string, unknown> | null) },
              { title: 'Computation', value: (e) => breakdownOf((e.event as { breakdown?: unknown }).breakdown) },
              {
                title: 'Postings',
                value: (e) => (e.postings.length === 0 ? '—' : e.postings.map((p) => `${p.debit} → ${p.credit}: ${n(p.points)}`).join('; ')),
              },
            ]}
          />
        )}
      </Loadable>
    </Panel>
  );
}

/** Where an entry came from: a Kafka offset, an HTTP request, an import line. */
export function provenanceOf(p: Record<string, unknown> | null | undefined): string {
  if (!p) return '—';
  if (p.channel === 'kafka') return `kafka ${String(p.topic)}/${String(p.partition)}@${String(p.offset)}`;
  if (p.channel === 'http') return `http ${String(p.requestId ?? '')}${p.apiKeyId ? ` key ${String(p.apiKeyId)}` : ''}`;
  if (p.channel === 'import') return `import ${String(p.file)}:${String(p.line)}`;
  return Object.entries(p)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** How an earning was computed, in one line: base points, each step, the caps. */
export function breakdownOf(breakdown: unknown): string {
  const b = breakdown as {
    basePoints?: number;
    steps?: { label: string; points: number }[];
    caps?: { kind: string; pointsRemoved: number }[];
    tier?: { name: string };
  } | null;
  if (!b || b.basePoints === undefined) return '—';
  const parts = [
    `base ${n(b.basePoints)}`,
    ...(b.steps ?? []).map((s) => `${s.label} +${n(s.points)}`),
    ...(b.caps ?? []).filter((c) => c.pointsRemoved > 0).map((c) => `${c.kind} cap −${n(c.pointsRemoved)}`),
  ];
  return `${parts.join(', ')}${b.tier ? ` (tier ${b.tier.name})` : ''}`;
}

export function rulesOf(r: Record<string, unknown> | null): string {
  if (!r) return '—';
  return r.version !== undefined ? `v${String(r.version)}` : JSON.stringify(r);
}
