// @needs kafka, build (left out of npm run test:unit)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryEventStore, SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { LOYALTY_TOPICS } from '@loyalty/kafka-contracts';
import type { KafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload, SeededRandom } from '@loyalty/workload-generator';
import { spawnCompiled, type ChildHandle } from '../support/child-process';
import { committedTotal, createTopics, isolatedKafkaConfig, produceAll, testKafka, waitForGroupToCatchUp, workloadMessages } from '@loyalty/kafka-test-kit';
import { accountContents, readEverything } from '../support/ledger-compare';

// CI size by default; KAFKA_CRASH_MESSAGES=200000 runs the large version.
const CRASH_MESSAGES = Number(process.env.KAFKA_CRASH_MESSAGES ?? 8_000);
const KILLS = Number(process.env.KAFKA_CRASH_KILLS ?? 4);
const ruleBook = new RuleBook([defaultProgramRules()]);
const clock = { now: () => new Date('2026-06-01T00:00:00Z') };
const TOPICS = [LOYALTY_TOPICS.purchases, LOYALTY_TOPICS.surveyAnswers, LOYALTY_TOPICS.supportContacts, LOYALTY_TOPICS.deadLetters];
const workerScript = join('test', 'kafka', 'ingestion-worker-child.js');

/** Fast failure detection for tests: the group notices a killed member within seconds. */
function quickGroupConfig(): KafkaIngestionConfig {
  return isolatedKafkaConfig({ KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_REBALANCE_TIMEOUT_MS: '10000', KAFKA_CHUNK_SIZE: '250' });
}

function workerEnv(config: KafkaIngestionConfig): Record<string, string> {
  return {
    KAFKA_BROKERS: config.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: config.KAFKA_TOPIC_PREFIX,
    KAFKA_GROUP_ID: config.groupId(),
    KAFKA_SESSION_TIMEOUT_MS: String(config.KAFKA_SESSION_TIMEOUT_MS),
    KAFKA_REBALANCE_TIMEOUT_MS: String(config.KAFKA_REBALANCE_TIMEOUT_MS),
    KAFKA_CHUNK_SIZE: String(config.KAFKA_CHUNK_SIZE),
  };
}

async function referenceContents(commands: Parameters<LedgerWriter['executeBatch']>[0]) {
  const reference = new InMemoryEventStore();
  await new LedgerWriter(reference, { current: () => ruleBook }, clock).executeBatch(commands);
  return accountContents(await readEverything(reference));
}

async function stopGracefully(worker: ChildHandle): Promise<void> {
  worker.child.kill('SIGTERM');
  const { code, stderr } = await worker.exited;
  if (code !== 0) throw new Error(`worker did not stop cleanly (${code}): ${stderr}`);
}

describe('Kafka consumer failures against a real broker', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(join(__dirname, '..', '..', 'dist', workerScript)))
      throw new Error('dist/ is missing the worker: run `npm run build` first (npm test does)');
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'kafka-failures-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`crash: a consumer SIGKILLed ${KILLS} times while ingesting ${CRASH_MESSAGES} messages applies each exactly once`, async () => {
    const config = quickGroupConfig();
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, config, TOPICS);
    const items = [...generateWorkload({ seed: 5, customers: 300, purchases: Math.round(CRASH_MESSAGES * 0.8), enrolCustomers: true, duplicateRate: 0.02 })];
    const { records, unique } = workloadMessages(items, config);
    await produceAll(kafka, records);
    const topics = TOPICS.slice(0, 3).map((t) => config.topic(t));
    const file = join(dir, 'crash.sqlite');
    const random = new SeededRandom(77);

    let kills = 0;
    for (let k = 0; k < KILLS; k++) {
      const before = await committedTotal(admin, config.groupId(), topics);
      const target = before + random.int(200, Math.max(400, Math.floor(records.length / (KILLS + 1))));
      const worker = spawnCompiled(workerScript, [file], workerEnv(config));
      await worker.waitForLine(/^assigned /);
      while ((await committedTotal(admin, config.groupId(), topics)) < Math.min(target, records.length - 1)) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, random.int(0, 30))); // land inside the next chunk
      worker.child.kill('SIGKILL');
      await worker.exited;
      kills++;
    }
    const last = spawnCompiled(workerScript, [file], workerEnv(config));
    await last.waitForLine(/^assigned /);
    await waitForGroupToCatchUp(admin, config.groupId(), topics);
    await stopGracefully(last);
    await admin.disconnect();

    const store = new SqliteEventStore({ file });
    const ledger = await readEverything(store);
    await store.close();
    expect(kills).toBe(KILLS);
    expect(accountContents(ledger)).toEqual(
      await referenceContents(unique.map((command, index) => ({ command, provenance: { channel: 'batch', batchId: 'ref', index } }))),
    );
    console.info(`[kafka crash] ${records.length} messages, ${kills} SIGKILLs, ${ledger.length} ledger events, identical to an uninterrupted run`);
  }, 300_000);

  it('group: two consumers share the partitions; when one is killed the other takes over, losing and doubling nothing', async () => {
    const config = quickGroupConfig();
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, config, TOPICS);
    const topics = TOPICS.slice(0, 3).map((t) => config.topic(t));
    const file = join(dir, 'group.sqlite');
    const items = [...generateWorkload({ seed: 6, customers: 200, purchases: 3_000, duplicateRate: 0.02 })];
    const { records, unique } = workloadMessages(items, config);
    const half = Math.floor(records.length / 2);

    const a = spawnCompiled(workerScript, [file], workerEnv(config));
    await a.waitForLine(/^assigned /);
    const b = spawnCompiled(workerScript, [file], workerEnv(config));
    // Both members hold partitions once the group has rebalanced with two.
    const partitionsOf = (line: string) =>
      Object.values(JSON.parse(line.slice('assigned '.length)) as Record<string, number[]>).reduce((n, p) => n + p.length, 0);
    const bShare = partitionsOf(await b.waitForLine(/^assigned /));
    expect(bShare).toBeGreaterThan(0);
    expect(bShare).toBeLessThan(topics.length * config.KAFKA_TOPIC_PARTITIONS);

    await produceAll(kafka, records.slice(0, half));
    await waitForGroupToCatchUp(admin, config.groupId(), topics);
    b.child.kill('SIGKILL');
    await b.exited;
    await produceAll(kafka, records.slice(half));
    // The group can only catch up once A has taken over B's partitions.
    await waitForGroupToCatchUp(admin, config.groupId(), topics);
    await stopGracefully(a);
    await admin.disconnect();

    const finalAssignment = a.lines.filter((l) => l.startsWith('assigned ')).map(partitionsOf);
    expect(finalAssignment[finalAssignment.length - 1]).toBe(topics.length * config.KAFKA_TOPIC_PARTITIONS);
    const store = new SqliteEventStore({ file });
    const ledger = await readEverything(store);
    await store.close();
    expect(accountContents(ledger)).toEqual(
      await referenceContents(unique.map((command, index) => ({ command, provenance: { channel: 'batch', batchId: 'ref', index } }))),
    );
    console.info(`[kafka group] ${records.length} messages over 2 members, one killed mid-run: ${ledger.length} ledger events, no loss, no duplicates`);
  }, 300_000);
});
