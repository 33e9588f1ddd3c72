import { useState } from 'react';
import { Link } from 'wouter';
import type { components } from '@loyalty/api-client';
import { ok, okJson } from '../api';
import { endOfDay, n, today } from '../format';
import { useSession } from '../session';
import { DateField, Loadable, Page, Panel, RequireRole, Table, type Column } from '../ui';
import { useApi } from '../use-api';

type Sort = 'monetary' | 'frequency' | 'recency' | 'closeness' | 'clv' | 'customer-id';
const SORTS: Sort[] = ['monetary', 'frequency', 'recency', 'closeness', 'clv', 'customer-id'];
const PAGE_SIZE = 25;

/** Segment sizes as of a date, a segment's members, and the loyalty lists with what each customer lacks. */
export function SegmentsPage() {
  const [date, setDate] = useState(today());
  const asOf = endOfDay(date);
  return (
    <Page title="Segments and loyalty" actions={<DateField label="As of" value={date} onChange={setDate} />}>
      <RequireRole roles={['finance', 'ops']} what="Segments">
        <Segments asOf={asOf} />
        <LoyaltyLists asOf={asOf} />
      </RequireRole>
    </Page>
  );
}

function Segments({ asOf }: { asOf: string }) {
  const { api } = useSession();
  const [chosen, setChosen] = useState<string | null>(null);
  const segments = useApi(() => ok(api.GET('/v1/segments', { params: { query: { asOf } } })), [asOf]);
  return (
    <div className="grid">
      <Panel title="Segments">
        <Loadable loaded={segments} empty={(s) => s.segments.length === 0}>
          {(s) => (
            <Table
              testId="segments"
              rows={s.segments}
              exportAs="segments.csv"
              columns={[
                {
                  title: 'Segment',
                  csv: (r) => r.segment,
                  value: (r) => (
                    <button type="button" className="secondary" onClick={() => setChosen(r.segment)}>
                      {r.segment}
                    </button>
                  ),
                },
                {
                  title: 'Customers',
                  value: (r) => <span data-testid={`segment-count-${r.segment}`}>{n(r.customers)}</span>,
                  csv: (r) => r.customers,
                  numeric: true,
                },
                { title: 'Monetary', value: (r) => n(r.monetary), numeric: true },
              ]}
            />
          )}
        </Loadable>
      </Panel>
      {chosen ? <Members segment={chosen} asOf={asOf} /> : null}
    </div>
  );
}

function Members({ segment, asOf }: { segment: string; asOf: string }) {
  const { api } = useSession();
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState<Sort>('monetary');
  const [order, setOrder] = useState<'natural' | 'reversed'>('natural');
  const members = useApi(
    () => okJson(api.GET('/v1/segments/{segment}/members', { params: { path: { segment }, query: { asOf, page, pageSize: PAGE_SIZE, sort, order } } })),
    [segment, asOf, page, sort, order],
  );
  const csv = `/v1/segments/${encodeURIComponent(segment)}/members?${new URLSearchParams({ asOf, sort, order, format: 'csv' })}`;
  return (
    <Panel title={`Members of ${segment}`} wide actions={<SortControls sort={sort} order={order} onSort={setSort} onOrder={setOrder} />}>
      <Loadable loaded={members} empty={(m) => m.total === 0}>
        {(m) => (
          <>
            <Table
              testId="members"
              rows={m.customers}
              columns={CUSTOMER_COLUMNS}
              csv={{ path: csv, fileName: `segment-${segment}.csv` }}
              rowKey={(c) => c.customerId}
            />
            <Pager page={page} pages={Math.ceil(m.total / PAGE_SIZE)} total={m.total} onPage={setPage} />
          </>
        )}
      </Loadable>
    </Panel>
  );
}

type ListPath = '/v1/customers/loyal' | '/v1/customers/good-customers' | '/v1/customers/one-step-from-loyal';
const LISTS: { path: ListPath; title: string }[] = [
  { path: '/v1/customers/loyal', title: 'Loyal customers' },
  { path: '/v1/customers/good-customers', title: 'Good customers (behaviourally loyal only)' },
  { path: '/v1/customers/one-step-from-loyal', title: 'One step from loyal' },
];

function LoyaltyLists({ asOf }: { asOf: string }) {
  const [list, setList] = useState<ListPath>('/v1/customers/one-step-from-loyal');
  return (
    <Panel
      title="Loyalty"
      wide
      actions={
        <select value={list} onChange={(e) => setList(e.target.value as ListPath)} aria-label="List">
          {LISTS.map((l) => (
            <option key={l.path} value={l.path}>
              {l.title}
            </option>
          ))}
        </select>
      }
    >
      <CustomerList path={list} asOf={asOf} />
    </Panel>
  );
}

function CustomerList({ path, asOf }: { path: ListPath; asOf: string }) {
  const { api } = useSession();
  const [page, setPage] = useState(1);
  const list = useApi(() => okJson(api.GET(path, { params: { query: { asOf, page, pageSize: PAGE_SIZE } } })), [path, asOf, page]);
  const csv = `${path}?${new URLSearchParams({ asOf, format: 'csv' })}`;
  return (
    <Loadable loaded={list} empty={(l) => l.total === 0}>
      {(l) => (
        <>
          <Table
            rows={l.customers}
            rowKey={(c) => c.customerId}
            csv={{ path: csv, fileName: `${path.split('/').pop()}.csv` }}
            columns={[...CUSTOMER_COLUMNS, { title: 'What they lack', value: (c) => lacks(c.loyalty) }]}
          />
          <Pager page={page} pages={Math.ceil(l.total / PAGE_SIZE)} total={l.total} onPage={setPage} />
        </>
      )}
    </Loadable>
  );
}

type Evaluation = components['schemas']['CustomerEvaluation'];

const CUSTOMER_COLUMNS: Column<Evaluation>[] = [
  { title: 'Customer', value: (c) => <Link href={`/customers/${encodeURIComponent(c.customerId)}`}>{c.customerId}</Link> },
  { title: 'Tier', value: (c) => c.tier },
  { title: 'Segment', value: (c) => c.rfm.segment },
  { title: 'Recency (days)', value: (c) => n(c.rfm.recencyDays), numeric: true },
  { title: 'Frequency', value: (c) => n(c.rfm.frequency), numeric: true },
  { title: 'Monetary', value: (c) => n(c.rfm.monetary), numeric: true },
  { title: 'NPS', value: (c) => (c.nps ? `${c.nps.score} (${c.nps.category})` : '—') },
];

function lacks(loyalty: unknown): string {
  const l = loyalty as { reason?: string; lacks?: { behavioural?: string[]; psychological?: { needs?: string } | null } } | null;
  if (!l) return '—';
  const parts = [...(l.lacks?.behavioural ?? []), ...(l.lacks?.psychological?.needs ? [l.lacks.psychological.needs] : [])];
  return parts.length ? parts.join('; ') : (l.reason ?? '—');
}

function SortControls({
  sort,
  order,
  onSort,
  onOrder,
}: {
  sort: Sort;
  order: 'natural' | 'reversed';
  onSort: (s: Sort) => void;
  onOrder: (o: 'natural' | 'reversed') => void;
}) {
  return (
    <span className="field">
      <select value={sort} onChange={(e) => onSort(e.target.value as Sort)} aria-label="Sort by">
        {SORTS.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <select value={order} onChange={(e) => onOrder(e.target.value as 'natural' | 'reversed')} aria-label="Order">
        <option value="natural">best first</option>
        <option value="reversed">reversed</option>
      </select>
    </span>
  );
}

export function Pager({ page, pages, total, onPage }: { page: number; pages: number; total: number; onPage: (p: number) => void }) {
  return (
    <div className="pager">
      <button type="button" className="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        page {n(page)} of {n(Math.max(pages, 1))} · {n(total)} customers
      </span>
      <button type="button" className="secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </div>
  );
}
