// Embedded ingestion through the application layer's batch path into the durable SQLite
// ledger, next to raw appends of the very same events, in the same batches, in one run:
//  - raw adapter: SqliteEventStore.appendMany of the already-decided events (no domain);
//  - raw SQL: prepared INSERTs of the already-serialised rows (no adapter either).
// Target (2 cores): >= 100k purchases/s, and >= 0.5 of the raw rate.
import { join } from 'node:path';
import { SqliteEventStore, type StoredEvent, type StreamAppend } from '@loyalty/event-store';
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

    // 1. The pipeline: decide + encode + append, batch by batch.
    const store = new SqliteEventStore({ file: join(dir, 'ledger.sqlite'), synchronous: 'FULL' });
    const ruleBook = new RuleBook([defaultProgramRules()]);
    const writer = new LedgerWriter(store, { current: () => ruleBook }, { now: () => new Date('2026-06-01T00:00:00Z') }, { cacheCapacity: customers });
    const batchEnds: number[] = [];
    const start = performance.now();
    let accepted = 0;
    for (let i = 0; i < envelopes.length; i += batchSize) {
      const results = await writer.executeBatch(envelopes.slice(i, i + batchSize));
      for (const r of results) if (r.status === 'accepted') accepted++;
      batchEnds.push(Number(await store.headPosition()));
      if ((i / batchSize) % 20 === 0) process.stderr.write(`\r  pipeline ${i.toLocaleString()} / ${envelopes.length.toLocaleString()}`);
    }
    const pipelineMs = performance.now() - start;
    process.stderr.write('\n');
    const events = batchEnds[batchEnds.length - 1];
    const pipelineRss = peakRssMiB();
    if (accepted !== purchases) throw new Error(`expected ${purchases} accepted purchases, got ${accepted}`);
    envelopes.length = 0;

    // 2. Raw adapter: the same events, same batches, through appendMany (untimed reads).
    const adapter = new SqliteEventStore({ file: join(dir, 'raw-adapter.sqlite'), synchronous: 'FULL' });
    let adapterMs = 0;
    for (let b = 0, from = 0; b < batchEnds.length; from = batchEnds[b], b++) {
      const appends = toAppends(await store.readAll(BigInt(from), batchEnds[b] - from));
      const t = performance.now();
      await adapter.appendMany(appends);
      adapterMs += performance.now() - t;
    }
    await adapter.close();

    // 3. Raw SQL: the same rows, already serialised, by prepared statements, same batches.
    const rawStore = new SqliteEventStore({ file: join(dir, 'raw-sql.sqlite'), synchronous: 'FULL' });
    const raw = rawStore.db;
    const insertStream = raw.prepare('INSERT INTO ledger_streams (stream_id, name) VALUES (?, ?)');
    const insertEvent = raw.prepare(
      'INSERT INTO ledger_events (stream_id, revision, event_id, type, schema_version, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insertBatch = raw.transaction((streams: unknown[][], rows: unknown[][]) => {
      for (const r of streams) insertStream.run(...r);
      for (const r of rows) insertEvent.run(...r);
    });
    const readRows = store.db
      .prepare(
        'SELECT stream_id, revision, event_id, type, schema_version, data, metadata, recorded_at FROM ledger_events WHERE position > ? AND position <= ? ORDER BY position',
      )
      .raw();
    const readNewStreams = store.db.prepare('SELECT stream_id, name FROM ledger_streams WHERE stream_id > ? AND stream_id <= ?').raw();
    let rawMs = 0;
    let streamsCopied = 0;
    for (let b = 0, from = 0; b < batchEnds.length; from = batchEnds[b], b++) {
      const rows = readRows.all(from, batchEnds[b]) as unknown[][];
      const maxStream = rows.reduce((m, r) => Math.max(m, r[0] as number), streamsCopied);
      const streams = readNewStreams.all(streamsCopied, maxStream) as unknown[][];
      streamsCopied = maxStream;
      const t = performance.now();
      insertBatch(streams, rows);
      rawMs += performance.now() - t;
    }
    await rawStore.close();
    await store.close();

    const pipelineRate = rate(purchases, pipelineMs);
    const adapterRate = rate(purchases, adapterMs);
    const rawRate = rate(purchases, rawMs);
    report('ledger ingestion (embedded SQLite, synchronous=FULL, batch path)', {
      purchases,
      customers,
      'ledger events written': events,
      'batch size (commands)': batchSize,
      'workload generation (s)': (genMs / 1000).toFixed(2),
      'pipeline time (s)': (pipelineMs / 1000).toFixed(2),
      'pipeline purchases/s': pipelineRate,
      'pipeline events/s': rate(events, pipelineMs),
      'raw adapter append purchases/s': adapterRate,
      'raw adapter append events/s': rate(events, adapterMs),
      'raw SQL insert purchases/s': rawRate,
      'raw SQL insert events/s': rate(events, rawMs),
      'pipeline / raw adapter': (pipelineRate / adapterRate).toFixed(2),
      'pipeline / raw SQL': (pipelineRate / rawRate).toFixed(2),
      'peak RSS after pipeline (MiB)': pipelineRss,
      target: '>= 100,000 purchases/s and >= 0.50 of raw',
      'absolute target': pipelineRate >= 100_000 ? 'MET' : 'NOT MET',
      'ratio target (vs raw SQL)': pipelineRate / rawRate >= 0.5 ? 'MET' : 'NOT MET',
    });
  } finally {
    cleanup();
  }
}

/** Stored events back into the stream appends that wrote them (one per stream, in order). */
function toAppends(events: StoredEvent[]): StreamAppend[] {
  const byStream = new Map<string, StreamAppend>();
  for (const e of events) {
    let append = byStream.get(e.stream);
    if (!append) {
      append = { stream: e.stream, expectedRevision: e.revision === 0n ? 'no-stream' : e.revision - 1n, events: [] };
      byStream.set(e.stream, append);
    }
    append.events.push({ eventId: e.eventId, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata });
  }
  return [...byStream.values()];
}

if (require.main === module) {
  benchLedgerIngestion().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
