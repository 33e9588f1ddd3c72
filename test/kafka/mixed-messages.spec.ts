// @needs kafka (left out of npm run test:unit)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from 'kafkajs';
import { InMemoryEventStore, SqliteEventStore } from '@loyalty/event-store';
import { LedgerWriter, type CommandEnvelope } from '@loyalty/ledger-application';
import { DeadLetterBrowser, LedgerIngestionConsumer } from '@loyalty/kafka-ingestion';
import { LOYALTY_TOPICS } from '@loyalty/kafka-contracts';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { generateWorkload, SeededRandom } from '@loyalty/workload-generator';
import { commandMessage, isolatedKafkaConfig, produceAll, testKafka, waitForGroupToCatchUp } from '@loyalty/kafka-test-kit';
import { accountContents, readEverything } from '../support/ledger-compare';

const MESSAGES = Number(process.env.KAFKA_MIXED_MESSAGES ?? 10_000);
const ruleBook = new RuleBook([defaultProgramRules()]);
const clock = { now: () => new Date('2026-06-01T00:00:00Z') };

/** A malformed message of each kind the ledger must dead-letter; `marker` identifies it. */
function malformed(kind: number, marker: string, purchaseTopic: string, surveyTopic: string): { topic: string; message: Message; reason: string } {
  const envelope = (type: string, payload: object, extra: object = {}) =>
    JSON.stringify({ type, schemaVersion: 1, messageId: marker, occurredAt: '2025-06-01T00:00:00Z', producer: 'broken-pos', payload, ...extra });
  const purchase = { orderId: `O-${marker}`, customerId: 'CUST-1', occurredAt: '2025-06-01T00:00:00Z', currency: 'JPY', amount: 1000 };
  switch (kind % 6) {
    case 0:
      return { topic: purchaseTopic, reason: 'INVALID_JSON', message: { key: 'CUST-1', value: `{"messageId":"${marker}", "type": purchase` } };
    case 1:
      return {
        topic: purchaseTopic,
        reason: 'SCHEMA_VIOLATION',
        message: { key: 'CUST-1', value: envelope('purchase.recorded', { ...purchase, amount: 10.5 }) },
      };
    case 2:
      return { topic: purchaseTopic, reason: 'UNKNOWN_TYPE', message: { key: 'CUST-1', value: envelope('purchase.teleported', purchase) } };
    case 3:
      return {
        topic: purchaseTopic,
        reason: 'UNSUPPORTED_VERSION',
        message: { key: 'CUST-1', value: envelope('purchase.recorded', purchase, { schemaVersion: 9 }) },
      };
    case 4:
      return { topic: purchaseTopic, reason: 'KEY_MISMATCH', message: { key: 'CUST-2', value: envelope('purchase.recorded', purchase) } };
    default:
      return { topic: surveyTopic, reason: 'WRONG_TOPIC', message: { key: 'CUST-1', value: envelope('purchase.recorded', purchase) } };
  }
}

describe('Kafka ingestion against a real broker', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'kafka-mixed-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`applies ${MESSAGES} mixed messages (1% malformed, 2% duplicates) exactly once, and dead-letters exactly the malformed ones`, async () => {
    const config = isolatedKafkaConfig();
    const kafka = testKafka();
    const random = new SeededRandom(99);

    // The workload as messages; a duplicate delivery repeats its original's message id.
    const items = [
      ...generateWorkload({ seed: 11, customers: 400, purchases: Math.round(MESSAGES * 0.8), enrolCustomers: true, withLines: true, duplicateRate: 0.02 }),
    ];
    const records: { topic: string; message: Message }[] = [];
    const idOf = new Map<unknown, string>();
    const valid: CommandEnvelope[] = [];
    const bad = new Map<string, string>();
    items.forEach((item, i) => {
      const messageId = idOf.get(item.command) ?? `m-${i}`;
      idOf.set(item.command, messageId);
      records.push(commandMessage(item.command, messageId, config));
      if (!item.duplicate) valid.push({ command: item.command, provenance: { channel: 'batch', batchId: 'reference', index: i } });
      if (random.chance(0.01)) {
        const marker = `bad-${bad.size}`;
        const m = malformed(bad.size, marker, config.topic(LOYALTY_TOPICS.purchases), config.topic(LOYALTY_TOPICS.surveyAnswers));
        records.push({ topic: m.topic, message: m.message });
        bad.set(marker, m.reason);
      }
    });
    // One ledger rejection: a refund of an order nobody bought.
    records.push(
      commandMessage(
        { type: 'RecordRefund', customerId: 'CUST-1', refundId: 'REF-ghost', orderId: 'ORD-ghost', occurredAt: '2026-01-01T00:00:00Z', amount: 100 },
        'refund-of-nothing',
        config,
      ),
    );
    const duplicates = items.filter((i) => i.duplicate).length;
    expect(duplicates / items.length).toBeGreaterThan(0.01);
    expect(bad.size / records.length).toBeGreaterThan(0.005);

    const store = new SqliteEventStore({ file: join(dir, 'ledger.sqlite') });
    const writer = new LedgerWriter(store, { current: () => ruleBook }, clock);
    const consumer = new LedgerIngestionConsumer(kafka, writer, config, clock);
    await consumer.start();
    await produceAll(kafka, records);
    const admin = kafka.admin();
    await admin.connect();
    await waitForGroupToCatchUp(admin, config.groupId(), consumer.topics());
    await admin.disconnect();
    await consumer.stop();

    // The ledger holds exactly what an uninterrupted, duplicate-free run of the valid commands gives.
    const reference = new InMemoryEventStore();
    await new LedgerWriter(reference, { current: () => ruleBook }, clock).executeBatch(valid);
    const ledger = await readEverything(store);
    expect(accountContents(ledger)).toEqual(accountContents(await readEverything(reference)));
    const purchases = ledger.filter((e) => e.type === 'loyalty.purchase-recorded');
    expect(purchases.length).toBe(valid.filter((v) => v.command.type === 'RecordPurchase').length);
    const kafkaEntry = ledger.find((e) => e.type === 'loyalty.points-earned')!;
    expect(kafkaEntry.metadata.provenance).toMatchObject({
      channel: 'kafka',
      topic: config.topic(LOYALTY_TOPICS.purchases),
      partition: expect.any(Number),
      offset: expect.any(String),
      messageId: expect.any(String),
    });

    // The dead-letter topic: every malformed message with its reason, and the one rejection.
    const browser = new DeadLetterBrowser(kafka, config);
    const letters = await browser.list();
    await browser.close();
    const byMarker = new Map(letters.map((l) => [l.messageId ?? /"messageId":"([^"]+)"/.exec(l.value ?? '')?.[1], l]));
    expect(letters).toHaveLength(bad.size + 1);
    for (const [marker, reason] of bad) {
      expect(byMarker.get(marker)).toMatchObject({ reason, sourceTopic: expect.stringContaining('loyalty.'), sourceOffset: expect.stringMatching(/^\d+$/) });
    }
    expect(byMarker.get('refund-of-nothing')).toMatchObject({ reason: 'LEDGER.UNKNOWN_ORDER', key: 'CUST-1' });
    await store.close();
    console.info(`[kafka] ${records.length} messages: ${ledger.length} ledger events, ${duplicates} duplicates absorbed, ${letters.length} dead letters`);
  }, 180_000);
});
