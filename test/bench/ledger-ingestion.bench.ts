// Embedded ingestion through the application layer's batch path into the durable SQLite
// ledger, next to the raw SQLite append rate of the very same rows, in one run.
// Target (2 cores): >= 100k purchases/s, and >= 0.5 of the raw rate.
import { join } from 'node:path';
import { SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter, type CommandEnvelope } from '@loyalty/ledger-application';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload } from '@loyalty/workload-generator';
import { benchDir, numberArg, peakRssMiB, rate, report } from './bench-support';

export async function benchLedgerIngestion(): Promise<void> {
  const purchases = numberArg('purchases', 1_000_000);
  const customers = numberArg('customers', 100_000);
  const batchSize = numberArg('batch', 5_000);
  const { dir, cleanup } = benchDir('ingestion');
  try {
    const genStart = performance.now();
    const envelopes: CommandEnvelope[] = [];
    let index = 0;
    for (const { command } of generateWorkload({ seed: 7, customers, purchases, refundRate: 0, surveyRate: 0, supportRate: 0, duplicateRate: 0 })) {
      envelopes.push({ command, provenance: { channel: 'batch', batchId: 'bench', index: index++ } });
    }
    const genMs = performance.now() - genStart;

    const store = new SqliteEventStore({ file: join(dir, 'ledger.sqlite'), synchronous: 'FULL' });
    const ruleBook = new RuleBook([defaultProgramRules()]);
    const writer = new LedgerWriter(store, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') }, { cacheCapacity: customers });
    const start = performance.now();
    let accepted = 0;
    for (let i = 0; i < envelopes.length; i += batchSize) {
      const results = await writer.executeBatch(envelopes.slice(i, i + batchSize));
      for (const r of results) if (r.status === 'accepted') accepted++;
      if ((i / batchSize) % 40 === 0) process.stderr.write(`\r  ingesting ${i.toLocaleString()} / ${envelopes.length.toLocaleString()}`);
    }
    const pipelineMs = performance.now() - start;
    process.stderr.write('\n');
    const events = Number(await store.headPosition());
    const pipelineRss = peakRssMiB();
    if (accepted !== purchases) throw new Error(`expected ${purchases} accepted purchases, got ${accepted}`);

    // Raw: the same rows (already serialised), inserted by prepared statements into a fresh
    // ledger file of the same schema, in batches of the same size: SQLite's own append cost.
    const rawStore = new SqliteEventStore({ file: join(dir, 'raw.sqlite'), synchronous: 'FULL' });
    const raw = rawStore.db;
    const insertStream = raw.prepare('INSERT INTO ledger_streams (stream_id, name) VALUES (?, ?)');
    const insertEvent = raw.prepare('INSERT INTO ledger_events (stream_id, revision, event_id, type, schema_version, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const insertBatch = raw.transaction((streams: unknown[][], rows: unknown[][]) => {
      for (const r of streams) insertStream.run(...r);
      for (const r of rows) insertEvent.run(...r);
    });
    const readEvents = store.db.prepare('SELECT stream_id, revision, event_id, type, schema_version, data, metadata, recorded_at FROM ledger_events WHERE position > ? ORDER BY position LIMIT ?').raw();
    const readStreams = store.db.prepare('SELECT stream_id, name FROM ledger_streams WHERE stream_id > ? AND stream_id <= ?').raw();
    const eventsPerBatch = Math.round((batchSize * events) / purchases);
    let rawMs = 0;
    let streamsCopied = 0;
    for (let after = 0; ; ) {
      const rows = readEvents.all(after, eventsPerBatch) as unknown[][];
      if (rows.length === 0) break;
      after += rows.length;
      const maxStream = Math.max(...rows.map((r) => r[0] as number));
      const streams = readStreams.all(streamsCopied, maxStream) as unknown[][];
      streamsCopied = Math.max(streamsCopied, maxStream);
      const t = performance.now();
      insertBatch(streams, rows);
      rawMs += performance.now() - t;
    }
    await rawStore.close();
    await store.close();

    const pipelinePurchases = rate(purchases, pipelineMs);
    const rawEvents = rate(events, rawMs);
    const rawPurchases = rate(purchases, rawMs);
    report('ledger ingestion (embedded SQLite, synchronous=FULL, batch path)', {
      purchases,
      customers,
      'ledger events written': events,
      'batch size (commands)': batchSize,
      'workload generation (s)': (genMs / 1000).toFixed(2),
      'pipeline time (s)': (pipelineMs / 1000).toFixed(2),
      'pipeline purchases/s': pipelinePurchases,
      'pipeline events/s': rate(events, pipelineMs),
      'raw SQLite append events/s': rawEvents,
      'raw SQLite append purchases/s': rawPurchases,
      'pipeline / raw ratio': (pipelinePurchases / rawPurchases).toFixed(2),
      'peak RSS after pipeline (MiB)': pipelineRss,
      'target': '>= 100,000 purchases/s and ratio >= 0.50',
      'verdict': pipelinePurchases >= 100_000 && pipelinePurchases / rawPurchases >= 0.5 ? 'MET' : 'NOT MET',
    });
  } finally {
    cleanup();
  }
}

if (require.main === module) {
  benchLedgerIngestion().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
