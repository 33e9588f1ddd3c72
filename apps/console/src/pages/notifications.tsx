import { useState } from 'react';
import { ok } from '../api';
import { n, when } from '../format';
import { useSession } from '../session';
import { Loadable, Page, Panel, RequireRole, Table } from '../ui';
import { useApi } from '../use-api';

/** Webhook endpoints and their delivery log. */
export function NotificationsPage() {
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <Page title="Notifications">
      <RequireRole roles={['ops']} what="The notifications page">
        <div className="grid">
          <Endpoints onChoose={setChosen} />
          {chosen ? <Deliveries id={chosen} /> : null}
        </div>
      </RequireRole>
    </Page>
  );
}

function Endpoints({ onChoose }: { onChoose: (id: string) => void }) {
  const { api } = useSession();
  const endpoints = useApi(() => ok(api.GET('/v1/webhooks/endpoints')), []);
  return (
    <Panel title="Webhook endpoints" wide>
      <Loadable loaded={endpoints} empty={(e) => e.length === 0}>
        {(e) =>
          (() => {
            const rows = e as unknown as { id: string; url: string; enabled: boolean; types?: string[]; cursor?: number; createdAt?: string }[];
            return (
              <Table
                rows={rows}
                exportAs="webhook-endpoints.csv"
                rowKey={(x) => x.id}
                columns={[
                  {
                    title: 'Endpoint',
                    csv: (x) => x.id,
                    value: (x) => (
                      <button type="button" className="secondary" onClick={() => onChoose(x.id)}>
                        {x.id}
                      </button>
                    ),
                  },
                  { title: 'URL', value: (x) => x.url },
                  { title: 'Enabled', value: (x) => (x.enabled ? 'yes' : 'no') },
                  { title: 'Types', value: (x) => (x.types?.length ? x.types.join(', ') : 'all') },
                  { title: 'Cursor', value: (x) => n(x.cursor ?? null), numeric: true },
                ]}
              />
            );
          })()
        }
      </Loadable>
    </Panel>
  );
}

function Deliveries({ id }: { id: string }) {
  const { api } = useSession();
  const deliveries = useApi(() => ok(api.GET('/v1/webhooks/endpoints/{id}/deliveries', { params: { path: { id }, query: { limit: 200 } } })), [id]);
  return (
    <Panel title={`Deliveries to ${id}`} wide>
      <Loadable loaded={deliveries} empty={(d) => d.length === 0}>
        {(d) => (
          <Table
            rows={d}
            exportAs={`deliveries-${id}.csv`}
            rowKey={(x) => `${x.seq}`}
            columns={[
              { title: 'Seq', value: (x) => x.seq, numeric: true },
              { title: 'Type', value: (x) => x.type },
              { title: 'Status', value: (x) => x.status },
              { title: 'Attempts', value: (x) => n(x.attempts), numeric: true },
              { title: 'Last answer', value: (x) => (x.lastStatus ? `${x.lastStatus}` : (x.lastError ?? '—')) },
              { title: 'Latency', value: (x) => (x.lastLatencyMs === null || x.lastLatencyMs === undefined ? '—' : `${n(x.lastLatencyMs)} ms`), numeric: true },
              { title: 'Last attempt', value: (x) => when(x.lastAttemptAt) },
            ]}
          />
        )}
      </Loadable>
    </Panel>
  );
}
