import { useState } from 'react';
import { ok } from '../api';
import { n, when } from '../format';
import { useSession } from '../session';
import { ErrorState, Loadable, Page, Panel, RequireRole, Stat, Table } from '../ui';
import { fetchHealth, lagRows } from '../health';
import { useApi } from '../use-api';

/** Dead letters with their reason and original payload, re-driven by choice; the consumer's state and lag. */
export function IngestionPage() {
  return (
    <Page title="Ingestion">
      <RequireRole roles={['ops']} what="The ingestion page">
        <div className="grid">
          <DeadLetters />
          <Consumer />
        </div>
      </RequireRole>
    </Page>
  );
}

function DeadLetters() {
  const { api } = useSession();
  const letters = useApi(() => ok(api.GET('/v1/dead-letters', { params: { query: { limit: 200 } } })), []);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const keyOf = (d: { partition: number; offset: string }) => `${d.partition}:${d.offset}`;
  const toggle = (k: string) => setChosen((c) => (c.has(k) ? new Set([...c].filter((x) => x !== k)) : new Set([...c, k])));
  const redrive = async () => {
    if (!window.confirm(`Re-drive ${chosen.size} dead letter(s) to their source topic?`)) return;
    setError(null);
    try {
      const items = [...chosen].map((k) => {
        const [partition, offset] = k.split(':');
        return { partition: Number(partition), offset };
      });
      const answer = await ok(api.POST('/v1/dead-letters/redrive', { body: { items } }));
      setResult(JSON.stringify(answer));
      setChosen(new Set());
      letters.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Panel
      title="Dead letters"
      wide
      actions={
        <button type="button" disabled={chosen.size === 0} onClick={redrive}>
          Re-drive chosen ({n(chosen.size)})
        </button>
      }
    >
      {error ? <ErrorState error={error} /> : null}
      {result ? <p className="ok-text">Re-driven: {result}</p> : null}
      <Loadable loaded={letters} empty={(l) => l.items.length === 0}>
        {(l) => (
          <>
            <p className="muted">
              {n(l.total)} in {l.topic}
            </p>
            <Table
              rows={l.items}
              exportAs="dead-letters.csv"
              rowKey={keyOf}
              columns={[
                {
                  title: '',
                  value: (d) => (
                    <input
                      type="checkbox"
                      aria-label={`choose ${keyOf(d)}`}
                      checked={chosen.has(keyOf(d))}
                      onChange={() => toggle(keyOf(d))}
                      disabled={!!d.redriven}
                    />
                  ),
                },
                { title: 'Failed', value: (d) => when(d.failedAt) },
                { title: 'Reason', value: (d) => `${d.reason}${d.field ? ` (${d.field})` : ''}` },
                { title: 'Detail', value: (d) => d.detail },
                { title: 'Source', value: (d) => `${d.sourceTopic}/${d.sourcePartition}@${d.sourceOffset}` },
                { title: 'Payload', value: (d) => <code>{(d.value ?? '').slice(0, 300)}</code>, csv: (d) => d.value ?? '' },
                { title: 'Re-driven', value: (d) => (d.redriven ? `${d.redriven.by}, ${when(d.redriven.at)}` : '—') },
              ]}
            />
          </>
        )}
      </Loadable>
    </Panel>
  );
}

/** The consumer as /health reports it: its state, last batch, failures, and its lag per topic and partition. */
function Consumer() {
  const health = useApi(fetchHealth, []);
  return (
    <Panel title="Kafka consumer" wide>
      <Loadable loaded={health}>
        {(h) => {
          const kafka = h.details?.kafka;
          if (!kafka) return <div className="state empty">No Kafka consumer in this process (ingestion runs over HTTP here, or in another role).</div>;
          const lag = lagRows(kafka);
          return (
            <>
              <div className="stats">
                <Stat label="State" value={kafka.state ?? '—'} />
                <Stat label="Messages behind" value={n(lag.reduce((sum, l) => sum + l.behind, 0))} />
                <Stat label="Failures in a row" value={n(kafka.consecutiveFailures ?? 0)} />
                <Stat label="Last batch" value={when(kafka.lastBatchAt ?? null)} />
              </div>
              <Table
                testId="consumer-lag"
                rows={lag}
                exportAs="consumer-lag.csv"
                rowKey={(l) => `${l.topic}/${l.partition}`}
                columns={[
                  { title: 'Topic', value: (l) => l.topic },
                  { title: 'Partition', value: (l) => l.partition, numeric: true },
                  { title: 'Behind', value: (l) => n(l.behind), numeric: true },
                ]}
              />
            </>
          );
        }}
      </Loadable>
    </Panel>
  );
}
