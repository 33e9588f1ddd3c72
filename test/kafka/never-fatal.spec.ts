// @needs kafka (left out of npm run test:unit)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EventStoreUnavailableError, InMemoryEventStore, type StreamAppend } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { DeadLetterBrowser, LedgerIngestionConsumer } from '@loyalty/kafka-ingestion';
import { LOYALTY_TOPICS } from '@loyalty/kafka-contracts';
import type { LedgerCommand } from '@loyalty/ledger-domain';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { commandMessage, createTopics, isolatedKafkaConfig, produceAll, retrying, testKafka, waitForGroupToCatchUp } from '@loyalty/kafka-test-kit';

const root = join(__dirname, '..', '..');
const ruleBook = new RuleBook([defaultProgramRules()]);
const clock = { now: () => new Date('2026-06-01T00:00:00Z') };

/** A ledger store that can be made to fail (a disk gone, a database away), or held (a slow one). */
class TroubledStore extends InMemoryEventStore {
  failing = false;
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open();
    this.gate = null;
  }
  override async appendMany(appends: StreamAppend[]): ReturnType<InMemoryEventStore['appendMany']> {
    if (this.gate) await this.gate;
    if (this.failing) throw new EventStoreUnavailableError('the ledger store is unavailable (test)');
    return super.appendMany(appends);
  }
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

const purchase = (customerId: string, n: number): LedgerCommand => ({
  type: 'RecordPurchase',
  customerId,
  orderId: `${customerId}-O-${n}`,
  occurredAt: '2026-05-01T00:00:00Z',
  currency: 'JPY',
  amount: 1_000 + n,
});
const contact = (customerId: string, n: number): LedgerCommand => ({
  type: 'RecordSupportContact',
  customerId,
  contactId: `${customerId}-T-${n}`,
  channel: 'chat',
  openedAt: '2026-05-01T00:00:00Z',
  resolved: true,
  resolvedAt: '2026-05-01T01:00:00Z',
});

describe('Kafka: no message can stop ingestion, and health tells the truth', () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('dead-letters the `resolved: true, resolvedAt: null` message and applies the 1,000 valid messages after it on the same partition, without a restart', async () => {
    const config = isolatedKafkaConfig();
    const store = new InMemoryEventStore();
    const consumer = new LedgerIngestionConsumer(kafka, new LedgerWriter(store, { current: () => ruleBook }, clock), config, clock);
    const poison = {
      topic: config.topic(LOYALTY_TOPICS.supportContacts),
      message: {
        key: 'CUST-P',
        value: JSON.stringify({
          type: 'support-contact.recorded',
          schemaVersion: 1,
          messageId: 'poison',
          occurredAt: '2026-05-01T00:00:00Z',
          producer: 'crm',
          payload: { contactId: 'T-POISON', customerId: 'CUST-P', channel: 'phone', openedAt: '2026-05-01T00:00:00Z', resolved: true, resolvedAt: null },
        }),
      },
    };
    // The same key: the same partition, behind the poison message.
    const after = Array.from({ length: 1_000 }, (_, n) => commandMessage(contact('CUST-P', n), `after-${n}`, config));
    const purchases = Array.from({ length: 1_000 }, (_, n) => commandMessage(purchase('CUST-P', n), `purchase-${n}`, config));
    await consumer.start();
    try {
      await produceAll(kafka, [poison, ...after, ...purchases]);
      await waitForGroupToCatchUp(admin, config.groupId(), consumer.topics());
      const browser = new DeadLetterBrowser(kafka, config);
      const letters = await browser.list();
      await browser.close();
      expect(letters.map((l) => [l.messageId, l.reason])).toEqual([['poison', 'LEDGER.INVALID_VALUE']]);
      expect(letters[0].detail).toBe('resolvedAt is required when resolved is true');
      const stream = await store.readStream('loyaltyAccount-CUST-P');
      expect(stream.filter((e) => e.type === 'loyalty.support-contact-recorded')).toHaveLength(1_000);
      expect(stream.filter((e) => e.type === 'loyalty.purchase-recorded')).toHaveLength(1_000);
      expect(consumer.health()).toMatchObject({ restarts: 0, consecutiveFailures: 0, state: 'consuming' });
    } finally {
      await consumer.stop();
    }
  }, 120_000);

  it('turns not ready within seconds while the ledger cannot take a batch, says why, and ready again once it can; nothing is lost', async () => {
    const config = isolatedKafkaConfig();
    const store = new TroubledStore();
    const failures: string[] = [];
    const consumer = new LedgerIngestionConsumer(kafka, new LedgerWriter(store, { current: () => ruleBook }, clock), config, clock, {
      failure: (topic) => failures.push(topic),
    });
    await consumer.start();
    try {
      await produceAll(kafka, [commandMessage(purchase('CUST-H', 0), 'h-0', config)]);
      await waitForGroupToCatchUp(admin, config.groupId(), consumer.topics());
      expect(consumer.health().state).toBe('consuming');

      store.failing = true;
      await produceAll(
        kafka,
        Array.from({ length: 20 }, (_, n) => commandMessage(purchase('CUST-H', n + 1), `h-${n + 1}`, config)),
      );
      const notReadyAfter = await until(() => consumer.health().state === 'failing', 10_000, 'not ready');
      expect(consumer.health()).toMatchObject({ consecutiveFailures: expect.any(Number), lastFailure: { error: 'the ledger store is unavailable (test)' } });
      expect(failures.length).toBeGreaterThan(0);

      store.failing = false;
      const readyAfter = await until(() => consumer.health().state === 'consuming', 60_000, 'ready again');
      await waitForGroupToCatchUp(admin, config.groupId(), consumer.topics());
      expect((await store.readStream('loyaltyAccount-CUST-H')).filter((e) => e.type === 'loyalty.purchase-recorded')).toHaveLength(21);
      console.info(
        `[kafka health] not ready ${notReadyAfter} ms after the ledger failed, ready again ${readyAfter} ms after it came back; ${failures.length} failed attempts, nothing lost`,
      );
    } finally {
      await consumer.stop();
    }
  }, 120_000);

  it('shows 10,000 messages published before it started in its lag before the first chunk is processed', async () => {
    const config = isolatedKafkaConfig({ KAFKA_LAG_INTERVAL_MS: '500' });
    await createTopics(admin, config, [LOYALTY_TOPICS.purchases, LOYALTY_TOPICS.surveyAnswers, LOYALTY_TOPICS.supportContacts]);
    await produceAll(
      kafka,
      Array.from({ length: 10_000 }, (_, n) => commandMessage(purchase(`CUST-L-${n % 97}`, n), `l-${n}`, config)),
    );
    const store = new TroubledStore();
    store.hold(); // the first chunk's append waits: nothing is committed
    const consumer = new LedgerIngestionConsumer(kafka, new LedgerWriter(store, { current: () => ruleBook }, clock), config, clock);
    await consumer.start();
    try {
      const totalLag = () => Object.values(consumer.health().lag).reduce((n, byPartition) => n + Object.values(byPartition).reduce((m, l) => m + l, 0), 0);
      await until(() => totalLag() === 10_000, 20_000, 'the whole backlog in the lag');
      expect(await store.headPosition()).toBe(0n);
      expect(Object.keys(consumer.health().lag[config.topic(LOYALTY_TOPICS.purchases)])).toHaveLength(4);
      store.release();
      await waitForGroupToCatchUp(admin, config.groupId(), consumer.topics());
      await until(() => totalLag() === 0, 10_000, 'the lag back to zero');
    } finally {
      store.release();
      await consumer.stop();
    }
  }, 120_000);

  it('counts messages from kcat with its default partitioner as misrouted, and none with -X partitioner=murmur2_random', async () => {
    const config = isolatedKafkaConfig();
    const misrouted: number[] = [];
    const store = new InMemoryEventStore();
    const consumer = new LedgerIngestionConsumer(kafka, new LedgerWriter(store, { current: () => ruleBook }, clock), config, clock, {
      misrouted: (_topic, count) => misrouted.push(count),
    });
    await consumer.start();
    const topic = config.topic(LOYALTY_TOPICS.purchases);
    // key|value lines, one message each, for kcat -K '|'.
    const lines = (prefix: string) =>
      Array.from(
        { length: 40 },
        (_, n) => `${prefix}-${n}|${String(commandMessage(purchase(`${prefix}-${n}`, n), `${prefix}-${n}`, config).message.value)}`,
      ).join('\n');
    const kcat = (args: string[], input: string) =>
      spawnSync(join(root, 'infra', 'kafka', 'kafka.sh'), ['kcat', '-P', '-t', topic, '-K', '|', ...args], { input: `${input}\n`, encoding: 'utf8' });
    try {
      const byDefault = kcat([], lines('KCAT-DEFAULT'));
      expect(byDefault.status).toBe(0);
      await retrying(() => waitForGroupToCatchUp(admin, config.groupId(), consumer.topics()));
      const countedByDefault = misrouted.reduce((n, c) => n + c, 0);
      expect(countedByDefault).toBeGreaterThan(0);

      const murmur = kcat(['-X', 'partitioner=murmur2_random'], lines('KCAT-MURMUR'));
      expect(murmur.status).toBe(0);
      await retrying(() => waitForGroupToCatchUp(admin, config.groupId(), consumer.topics()));
      expect(misrouted.reduce((n, c) => n + c, 0)).toBe(countedByDefault);
      // Misrouted or not, every purchase is applied.
      expect((await store.readAll(0n, 1_000)).filter((e) => e.type === 'loyalty.purchase-recorded')).toHaveLength(80);
      console.info(`[kafka partitioner] kcat default partitioner: ${countedByDefault} of 40 misrouted; murmur2_random: 0 of 40`);
    } finally {
      await consumer.stop();
    }
  }, 120_000);

  it('dead-letters the same order id with another amount as LEDGER.SOURCE_CONFLICT naming the field, and takes the identical repeat as a duplicate', async () => {
    const config = isolatedKafkaConfig();
    const store = new InMemoryEventStore();
    const outcomes: Record<string, number> = {};
    const consumer = new LedgerIngestionConsumer(kafka, new LedgerWriter(store, { current: () => ruleBook }, clock), config, clock, {
      messages: (_t, outcome, count) => (outcomes[outcome] = (outcomes[outcome] ?? 0) + count),
    });
    await consumer.start();
    const browser = new DeadLetterBrowser(kafka, config);
    try {
      const original = purchase('CUST-SC', 1);
      await produceAll(kafka, [
        commandMessage(original, 'sc-1', config),
        commandMessage(original, 'sc-1-again', config),
        commandMessage({ ...original, amount: 9_999 } as LedgerCommand, 'sc-1-other', config),
      ]);
      await waitForGroupToCatchUp(admin, config.groupId(), consumer.topics());
      const letters = await browser.list();
      expect(letters.map((l) => [l.messageId, l.reason, l.field])).toEqual([['sc-1-other', 'LEDGER.SOURCE_CONFLICT', 'payload.amount']]);
      expect(outcomes).toMatchObject({ applied: 1, duplicate: 1, 'dead-lettered': 1 });
      expect((await store.readStream('loyaltyAccount-CUST-SC')).filter((e) => e.type === 'loyalty.purchase-recorded').map((e) => e.data.amount)).toEqual([
        1_001,
      ]);
    } finally {
      await browser.close();
      await consumer.stop();
    }
  }, 120_000);
});
