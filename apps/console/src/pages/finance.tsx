import { useState } from 'react';
import type { components } from '@loyalty/api-client';
import { ok, okJson } from '../api';
import { BarChart } from '../chart';
import { endOfDay, money, n, today, when } from '../format';
import { useSession } from '../session';
import { DateField, ErrorState, Loadable, Page, Panel, RequireRole, Stat, Table } from '../ui';
import { useApi } from '../use-api';
import { breakdownOf, provenanceOf, rulesOf } from './customer';

const firstOfYear = () => `${new Date().getUTCFullYear()}-01-01`;

/** Finance: the liability and its splits, the roll-forward, the trial balance, breakage; each figure drills down to entries. */
export function FinancePage() {
  const [asOfDate, setAsOfDate] = useState(today());
  const [fromDate, setFromDate] = useState(firstOfYear());
  const [toDate, setToDate] = useState(today());
  const [drill, setDrill] = useState<string | null>(null);
  const from = `${fromDate}T00:00:00.000Z`;
  const to = endOfDay(toDate);
  return (
    <Page
      title="Finance"
      actions={
        <>
          <DateField label="Liability as of" value={asOfDate} onChange={setAsOfDate} />
          <DateField label="Period from" value={fromDate} onChange={setFromDate} />
          <DateField label="to" value={toDate} onChange={setToDate} />
        </>
      }
    >
      <RequireRole roles={['finance']} what="The finance page">
        <div className="grid">
          <Liability asOf={endOfDay(asOfDate)} onDrill={setDrill} />
          <RollForward from={from} to={to} onDrill={setDrill} />
          <TrialBalance from={from} to={to} onDrill={setDrill} />
          <Breakage from={from} to={to} onDrill={setDrill} />
          <SealAndVerify />
          {drill ? <Entries path={drill} onClose={() => setDrill(null)} /> : null}
        </div>
      </RequireRole>
    </Page>
  );
}

type Split = { key: string; points: number; valueMinor: number; lots: number; drillDown: string };

function Liability({ asOf, onDrill }: { asOf: string; onDrill: (path: string) => void }) {
  const { api } = useSession();
  const liability = useApi(() => okJson(api.GET('/v1/finance/liability', { params: { query: { asOf } } })), [asOf]);
  const splitTable = (rows: Split[], currency: string, title: string, split: 'tier' | 'lotAge' | 'expiryMonth') => (
    <>
      <h3>{title}</h3>
      <Table
        rows={rows}
        csv={{ path: `/v1/finance/liability?${new URLSearchParams({ asOf, split, format: 'csv' })}`, fileName: `liability-${split}.csv` }}
        columns={[
          { title: title.replace('By ', ''), value: (r) => r.key },
          { title: 'Points', value: (r) => <DrillLink onClick={() => onDrill(r.drillDown)}>{n(r.points)}</DrillLink>, numeric: true },
          { title: 'Value', value: (r) => money(r.valueMinor, currency), numeric: true },
          { title: 'Lots', value: (r) => n(r.lots), numeric: true },
        ]}
      />
    </>
  );
  return (
    <Panel title="Liability" wide>
      <Loadable loaded={liability}>
        {(l) => (
          <>
            <div className="stats">
              <Stat
                label="Outstanding points"
                value={<DrillLink onClick={() => onDrill(l.drillDown)}>{n(l.outstandingPoints)}</DrillLink>}
                testId="finance-outstanding"
              />
              <Stat label="Value" value={money(l.valueMinor, l.currency)} />
              <Stat label="Available" value={n(l.available)} />
              <Stat label="Pending" value={n(l.pending)} />
              <Stat label="Awaiting expiry" value={n(l.awaitingExpiry)} />
            </div>
            <p className="muted">
              As of {when(l.asOf)} · ledger position {l.ledgerPosition} · {n(l.eventsScanned)} entries read
            </p>
            <BarChart
              labels={l.byExpiryMonth.map((r) => r.key)}
              series={[{ label: 'Points expiring', values: l.byExpiryMonth.map((r) => r.points), color: '#c0392b' }]}
            />
            {splitTable(l.byTier, l.currency, 'By tier', 'tier')}
            {splitTable(l.byLotAge, l.currency, 'By lot age', 'lotAge')}
            {splitTable(l.byExpiryMonth, l.currency, 'By expiry month', 'expiryMonth')}
          </>
        )}
      </Loadable>
    </Panel>
  );
}

function RollForward({ from, to, onDrill }: { from: string; to: string; onDrill: (path: string) => void }) {
  const { api } = useSession();
  const roll = useApi(() => okJson(api.GET('/v1/finance/roll-forward', { params: { query: { from, to, by: 'month' } } })), [from, to]);
  const cell = (value: number, links: Record<string, string>, movement: string) => <DrillLink onClick={() => onDrill(links[movement])}>{n(value)}</DrillLink>;
  return (
    <Panel title="Roll-forward" wide>
      <Loadable loaded={roll} empty={(r) => r.rows.length === 0}>
        {(r) => (
          <Table
            rows={r.rows}
            csv={{ path: `/v1/finance/roll-forward?${new URLSearchParams({ from, to, by: 'month', format: 'csv' })}`, fileName: 'roll-forward.csv' }}
            columns={[
              { title: 'Month', value: (x) => x.from.slice(0, 7) },
              { title: 'Opening', value: (x) => n(x.opening), numeric: true },
              { title: 'Migrated', value: (x) => cell(x.migrated, x.drillDown, 'migrated'), numeric: true },
              { title: 'Issued', value: (x) => cell(x.issued, x.drillDown, 'issued'), numeric: true },
              { title: 'Redeemed', value: (x) => cell(x.redeemed, x.drillDown, 'redeemed'), numeric: true },
              { title: 'Cancelled', value: (x) => cell(x.redemptionsCancelled, x.drillDown, 'redemption-cancelled'), numeric: true },
              { title: 'Expired', value: (x) => cell(x.expired, x.drillDown, 'expired'), numeric: true },
              { title: 'Adjusted', value: (x) => cell(x.adjustments, x.drillDown, 'adjusted'), numeric: true },
              { title: 'Reversed', value: (x) => cell(x.reversals, x.drillDown, 'reversed'), numeric: true },
              { title: 'Closing', value: (x) => n(x.closing), numeric: true },
            ]}
          />
        )}
      </Loadable>
    </Panel>
  );
}

function TrialBalance({ from, to, onDrill }: { from: string; to: string; onDrill: (path: string) => void }) {
  const { api } = useSession();
  const trial = useApi(() => okJson(api.GET('/v1/finance/trial-balance', { params: { query: { from, to } } })), [from, to]);
  return (
    <Panel title="Trial balance">
      <Loadable loaded={trial} empty={(t) => t.rows.length === 0}>
        {(t) => (
          <>
            <Table
              rows={t.rows as { account: string; debit: number; credit: number; drillDown: string }[]}
              csv={{ path: `/v1/finance/trial-balance?${new URLSearchParams({ from, to, format: 'csv' })}`, fileName: 'trial-balance.csv' }}
              columns={[
                { title: 'Account', value: (r) => <DrillLink onClick={() => onDrill(r.drillDown)}>{r.account}</DrillLink> },
                { title: 'Debit', value: (r) => n(r.debit), numeric: true },
                { title: 'Credit', value: (r) => n(r.credit), numeric: true },
              ]}
            />
            <p className={t.totalDebit === t.totalCredit ? 'ok-text' : 'error-text'}>
              Totals: {n(t.totalDebit)} debit, {n(t.totalCredit)} credit {t.totalDebit === t.totalCredit ? '(balanced)' : '(NOT balanced)'}
            </p>
          </>
        )}
      </Loadable>
    </Panel>
  );
}

function Breakage({ from, to, onDrill }: { from: string; to: string; onDrill: (path: string) => void }) {
  const { api } = useSession();
  const breakage = useApi(() => okJson(api.GET('/v1/finance/breakage', { params: { query: { from, to, by: 'month' } } })), [from, to]);
  return (
    <Panel title="Breakage">
      <Loadable loaded={breakage}>
        {(b) => (
          <>
            <div className="stats">
              <Stat label="Estimated breakage rate" value={b.estimate.rate} hint={b.estimate.method} />
              <Stat label="Matured lots" value={n(b.estimate.maturedLots)} />
            </div>
            <Table
              rows={b.periods}
              csv={{ path: `/v1/finance/breakage?${new URLSearchParams({ from, to, by: 'month', format: 'csv' })}`, fileName: 'breakage.csv' }}
              columns={[
                { title: 'Month', value: (p) => p.from.slice(0, 7) },
                { title: 'Expired', value: (p) => <DrillLink onClick={() => onDrill(p.drillDown)}>{n(p.expiredPoints)}</DrillLink>, numeric: true },
                { title: 'Awaiting the run', value: (p) => n(p.awaitingRun), numeric: true },
              ]}
            />
          </>
        )}
      </Loadable>
    </Panel>
  );
}

type VerifyReport = components['schemas']['VerificationReport'];
type BrokenLink = NonNullable<VerifyReport['chain']['firstBrokenLink']>;

/** Seal the ledger and verify it: the result said plainly (which link broke, where). */
function SealAndVerify() {
  const { api, may } = useSession();
  const [sealed, setSealed] = useState<unknown>(null);
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel title="Tamper evidence">
      <div className="page-actions">
        {may('finance') ? (
          <button type="button" disabled={busy} onClick={() => run(async () => setSealed(await ok(api.POST('/v1/audit/seal'))))}>
            Seal now
          </button>
        ) : null}
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => run(async () => setReport(await ok(api.POST('/v1/audit/verify', { body: {} }))))}
        >
          Verify
        </button>
      </div>
      {busy ? <p className="muted">Working…</p> : null}
      {error ? <ErrorState error={error} /> : null}
      {sealed ? (
        <>
          <p className="ok-text">Sealed. Keep this sign-off outside the ledger:</p>
          <pre>{JSON.stringify(sealed, null, 2)}</pre>
        </>
      ) : null}
      {report ? <Verification report={report} /> : null}
    </Panel>
  );
}

function Verification({ report }: { report: VerifyReport }) {
  const link = (l: BrokenLink | null) =>
    l ? `${l.kind} at ledger position ${l.position} (stream ${l.stream}${l.revision ? `, revision ${l.revision}` : ''}): ${l.detail}` : null;
  const summary = `${n(report.entries)} entries in ${n(report.streams)} streams up to position ${report.ledgerPosition}; ${n(report.digests.checked)} sealed digests checked (sealed up to ${report.digests.sealedUpTo}, ${n(report.digests.unsealedEntries)} entries not sealed yet); ${n(report.projections.customers)} customers of the balances read model cross-checked.`;
  if (report.ok)
    return (
      <div data-testid="verify-result">
        <p className="ok-text">Verified: every hash chain and sealed digest holds; the balances read model agrees with the ledger.</p>
        <p className="muted">{summary}</p>
      </div>
    );
  const problems = [
    report.chain.brokenStreams > 0
      ? `${n(report.chain.brokenStreams)} account streams have a broken hash chain; the first: ${link(report.chain.firstBrokenLink)}`
      : null,
    report.digests.failed > 0 ? `${n(report.digests.failed)} sealed digests do not match; the first: ${link(report.digests.firstBrokenLink)}` : null,
    report.projections.driftCount > 0
      ? `${n(report.projections.driftCount)} differences between the balances read model and the ledger, e.g. ${report.projections.drift
          .slice(0, 3)
          .map((d) => `${d.customerId} ${d.field}: ledger ${String(d.ledger)}, read model ${String(d.projection)}`)
          .join('; ')}`
      : null,
    report.projections.note ?? null,
  ].filter((p): p is string => p !== null);
  return (
    <div className="state error" data-testid="verify-result">
      <strong>Verification failed.</strong>
      <ul>
        {problems.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
      <p className="muted">{summary}</p>
    </div>
  );
}

type EntriesPage = components['schemas']['EntriesResponse'];

/** The entries behind a figure (the API's drill-down link), paged. */
function Entries({ path, onClose }: { path: string; onClose: () => void }) {
  const { key } = useSession();
  const [after, setAfter] = useState<string | null>(null);
  const entries = useApi(async () => {
    const response = await fetch(`${path}${after ? `&after=${after}` : ''}`, { headers: { Authorization: `Bearer ${key}` } });
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    return (await response.json()) as EntriesPage;
  }, [path, after]);
  return (
    <Panel
      title="Entries behind the figure"
      wide
      actions={
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      }
    >
      <p className="muted">{path}</p>
      <Loadable loaded={entries} empty={(e) => e.entries.length === 0}>
        {(e) => (
          <>
            <Table
              rows={e.entries}
              exportAs="entries.csv"
              columns={[
                { title: 'Position', value: (x) => x.position, numeric: true },
                { title: 'Stream', value: (x) => `${x.stream} #${x.revision}` },
                { title: 'Entry', value: (x) => x.type },
                { title: 'Effective', value: (x) => when(x.effectiveAt) },
                { title: 'Provenance', value: (x) => provenanceOf(x.source.provenance as Record<string, unknown> | null) },
                { title: 'Rules', value: (x) => rulesOf(x.rules as Record<string, unknown> | null) },
                { title: 'Computation', value: (x) => breakdownOf(x.breakdown) },
                { title: 'Postings', value: (x) => x.postings.map((p) => `${p.debit} → ${p.credit}: ${n(p.points)}`).join('; ') },
              ]}
            />
            {e.nextAfter ? (
              <button type="button" className="secondary" onClick={() => setAfter(e.nextAfter)}>
                Next page
              </button>
            ) : null}
          </>
        )}
      </Loadable>
    </Panel>
  );
}

function DrillLink({ onClick, children }: { onClick: () => void; children: React.ReactNode }) {
  return (
    <a
      href="#drill"
      onClick={(e) => {
        e.preventDefault();
        onClick();
      }}
    >
      {children}
    </a>
  );
}
