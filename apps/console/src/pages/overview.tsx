import { useMemo, useState } from 'react';
import { ok, okJson } from '../api';
import { BarChart } from '../chart';
import { endOfDay, money, monthsBack, n, n1, startOfNextMonth, today, when } from '../format';
import { useSession } from '../session';
import { DateField, Loadable, Page, Panel, RequireRole, Stat, Table } from '../ui';
import { fetchHealth, lagRows } from '../health';
import { useApi } from '../use-api';

/** The program at a glance: the liability as of a date and its roll-forward, points by tier, segments, NPS, ingestion. */
export function OverviewPage() {
  const [date, setDate] = useState(today());
  return (
    <Page title="Overview" actions={<DateField label="As of" value={date} onChange={setDate} />}>
      <div className="grid">
        <RequireRole roles={['finance']} what="The liability">
          <Liability asOf={endOfDay(date)} />
          <RollForwardChart />
        </RequireRole>
        <RequireRole roles={['finance', 'ops']} what="Segments and NPS">
          <MembersByTier asOf={endOfDay(date)} />
          <Segments asOf={endOfDay(date)} />
          <NpsTrend />
        </RequireRole>
        <Ingestion />
      </div>
    </Page>
  );
}

function Liability({ asOf }: { asOf: string }) {
  const { api } = useSession();
  const liability = useApi(() => okJson(api.GET('/v1/finance/liability', { params: { query: { asOf } } })), [asOf]);
  return (
    <Panel title="Points liability">
      <Loadable loaded={liability}>
        {(l) => (
          <>
            <div className="stats">
              <Stat label="Outstanding points" value={n(l.outstandingPoints)} testId="liability-outstanding" />
              <Stat label="Value" value={money(l.valueMinor, l.currency)} testId="liability-value" />
              <Stat label="Available" value={n(l.available)} />
              <Stat label="Pending" value={n(l.pending)} />
            </div>
            <p className="muted">As of {when(l.asOf)}</p>
            <h3>Points by tier</h3>
            <Table
              rows={l.byTier}
              csv={{ path: `/v1/finance/liability?${new URLSearchParams({ asOf, split: 'tier', format: 'csv' })}`, fileName: 'liability-by-tier.csv' }}
              columns={[
                { title: 'Tier', value: (r) => r.key },
                { title: 'Points', value: (r) => n(r.points), numeric: true },
                { title: 'Lots', value: (r) => n(r.lots), numeric: true },
              ]}
            />
          </>
        )}
      </Loadable>
    </Panel>
  );
}

/** The last twelve months of the roll-forward as stacked bars, with the closing liability as a line. */
function RollForwardChart() {
  const { api } = useSession();
  const [from, to] = useMemo(() => [monthsBack(12), startOfNextMonth()], []);
  const roll = useApi(() => okJson(api.GET('/v1/finance/roll-forward', { params: { query: { from, to, by: 'month' } } })), [from, to]);
  return (
    <Panel title="Liability over time (roll-forward by month)" wide>
      <Loadable loaded={roll}>
        {(r) => {
          const labels = r.rows.map((row) => row.from.slice(0, 7));
          return (
            <>
              <BarChart
                testId="roll-forward-chart"
                stacked
                labels={labels}
                series={[
                  { label: 'Migrated', values: r.rows.map((x) => x.migrated), color: '#7e57c2', stack: 'in' },
                  { label: 'Issued', values: r.rows.map((x) => x.issued), color: '#2f5bd3', stack: 'in' },
                  { label: 'Adjusted', values: r.rows.map((x) => x.adjustments), color: '#f2a93b', stack: 'in' },
                  { label: 'Redeemed', values: r.rows.map((x) => -x.redeemed + x.redemptionsCancelled), color: '#2e9d5b', stack: 'out' },
                  { label: 'Expired', values: r.rows.map((x) => -x.expired), color: '#c0392b', stack: 'out' },
                  { label: 'Reversed', values: r.rows.map((x) => -x.reversals), color: '#8d99ae', stack: 'out' },
                  { label: 'Closing', values: r.rows.map((x) => x.closing), color: '#17213a', kind: 'line' },
                ]}
              />
              <details>
                <summary>The figures</summary>
                <Table
                  testId="roll-forward-table"
                  csv={{ path: `/v1/finance/roll-forward?${new URLSearchParams({ from, to, by: 'month', format: 'csv' })}`, fileName: 'roll-forward.csv' }}
                  rows={r.rows}
                  columns={[
                    { title: 'Month', value: (x) => x.from.slice(0, 7) },
                    { title: 'Opening', value: (x) => n(x.opening), numeric: true },
                    { title: 'Issued', value: (x) => n(x.issued), numeric: true },
                    { title: 'Redeemed', value: (x) => n(x.redeemed), numeric: true },
                    { title: 'Expired', value: (x) => n(x.expired), numeric: true },
                    { title: 'Closing', value: (x) => n(x.closing), numeric: true },
                  ]}
                />
              </details>
            </>
          );
        }}
      </Loadable>
    </Panel>
  );
}

function MembersByTier({ asOf }: { asOf: string }) {
  const { api } = useSession();
  const tiers = useApi(() => ok(api.GET('/v1/tiers', { params: { query: { asOf } } })), [asOf]);
  return (
    <Panel title="Members by tier">
      <Loadable loaded={tiers} empty={(t) => t.tiers.every((x) => x.customers === 0)}>
        {(t) => (
          <BarChart
            testId="members-by-tier"
            labels={t.tiers.map((x) => x.tier)}
            series={[{ label: 'Members', values: t.tiers.map((x) => x.customers), color: '#7e57c2' }]}
          />
        )}
      </Loadable>
    </Panel>
  );
}

function Segments({ asOf }: { asOf: string }) {
  const { api } = useSession();
  const segments = useApi(() => ok(api.GET('/v1/segments', { params: { query: { asOf } } })), [asOf]);
  return (
    <Panel title="Segment sizes">
      <Loadable loaded={segments} empty={(s) => s.segments.length === 0}>
        {(s) => (
          <BarChart labels={s.segments.map((x) => x.segment)} series={[{ label: 'Customers', values: s.segments.map((x) => x.customers), color: '#2f5bd3' }]} />
        )}
      </Loadable>
    </Panel>
  );
}

function NpsTrend() {
  const { api } = useSession();
  const from = useMemo(() => monthsBack(12), []);
  const nps = useApi(() => ok(api.GET('/v1/analytics/nps', { params: { query: { groupBy: 'month', from } } })), [from]);
  return (
    <Panel title="NPS by month">
      <Loadable loaded={nps} empty={(x) => x.groups.length === 0}>
        {(x) => (
          <>
            <BarChart labels={x.groups.map((g) => g.group)} series={[{ label: 'NPS', values: x.groups.map((g) => g.nps), color: '#2e9d5b', kind: 'line' }]} />
            <p className="muted">
              Latest: {x.groups.length ? `${n1(x.groups[x.groups.length - 1].nps)} (${n(x.groups[x.groups.length - 1].responses)} answers)` : '—'}
            </p>
          </>
        )}
      </Loadable>
    </Panel>
  );
}

/** Ingestion health: /health (public) for the ledger's position and the consumer's state and lag; dead letters for ops. */
function Ingestion() {
  const { api, may } = useSession();
  const health = useApi(fetchHealth, []);
  const letters = useApi(async () => (may('ops') ? ok(api.GET('/v1/dead-letters', { params: { query: { limit: 1, status: 'pending' } } })) : null), []);
  return (
    <Panel title="Ingestion health">
      <Loadable loaded={health}>
        {(h) => {
          const kafka = h.details?.kafka;
          const behind = kafka?.lag ? lagRows(kafka).reduce((sum, l) => sum + l.behind, 0) : null;
          return (
            <>
              <div className="stats">
                <Stat label="Status" value={h.status ?? '—'} />
                <Stat label="Ledger position" value={h.ledgerPosition ? n(Number(h.ledgerPosition)) : '—'} />
                <Stat label="Kafka consumer" value={kafka ? (kafka.state ?? kafka.status ?? '—') : 'not in this process'} />
                {behind !== null ? <Stat label="Messages behind" value={n(behind)} /> : null}
                {letters.state === 'ok' && letters.data ? <Stat label="Dead letters waiting" value={n(letters.data.total)} /> : null}
              </div>
              <details>
                <summary>Every check</summary>
                <pre>{JSON.stringify(h.details ?? {}, null, 2)}</pre>
              </details>
            </>
          );
        }}
      </Loadable>
    </Panel>
  );
}
