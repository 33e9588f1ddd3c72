import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { InMemoryEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { DeadLetterBrowser, LedgerIngestionConsumer } from '@loyalty/kafka-ingestion';
import { LOYALTY_TOPICS } from '@loyalty/kafka-contracts';
import { accountHoldingsAt } from '@loyalty/ledger-domain';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { commandMessage, isolatedKafkaConfig, produceAll, testKafka, waitForGroupToCatchUp } from '../support/kafka-test-kit';

const root = join(__dirname, '..', '..');
const ruleBook = new RuleBook([defaultProgramRules()]);
const clock = { now: () => new Date('2026-12-01T00:00:00Z') };

describe('Kafka: a client this project did not write, and re-driving dead letters', () => {
  const config = isolatedKafkaConfig();
  const kafka = testKafka();
  const store = new InMemoryEventStore();
  const writer = new LedgerWriter(store, { current: () => ruleBook }, clock);
  const consumer = new LedgerIngestionConsumer(kafka, writer, config, clock);
  const admin = kafka.admin();
  const caughtUp = () => waitForGroupToCatchUp(admin, config.groupId(), consumer.topics());
  const available = (customerId: string) => writer.readAccount(customerId, (a) => accountHoldingsAt(a.state, clock.now().getTime()).available);

  beforeAll(async () => {
    await consumer.start();
    await admin.connect();
  });
  afterAll(async () => {
    await consumer.stop();
    await admin.disconnect();
  });

  it("applies a purchase published by Kafka's own Java console producer", () => {
    const envelope = {
      type: 'purchase.recorded',
      schemaVersion: 1,
      messageId: 'console-1',
      occurredAt: '2026-11-01T10:00:00+09:00',
      producer: 'kafka-console-producer',
      payload: { orderId: 'ORD-CONSOLE-1', customerId: 'CUST-CONSOLE', occurredAt: '2026-11-01T10:00:00+09:00', currency: 'JPY', amount: 20_000 },
    };
    const produced = spawnSync(join(root, 'infra', 'kafka', 'kafka.sh'), ['console-producer', '--topic', config.topic(LOYALTY_TOPICS.purchases), '--property', 'parse.key=true', '--property', 'key.separator=|'], {
      input: `CUST-CONSOLE|${JSON.stringify(envelope)}\n`,
      encoding: 'utf8',
    });
    expect(produced.status).toBe(0);
    return caughtUp().then(async () => {
      // 200 base + 100 first-purchase bonus, available after the 14 pending days.
      expect(await available('CUST-CONSOLE')).toBe(300);
    });
  }, 60_000);

  it('dead-letters a purchase dated a year ahead with LEDGER.FUTURE_TIME, the code HTTP answers, and applies the next message', async () => {
    const ahead = { type: 'RecordPurchase' as const, customerId: 'CUST-FUTURE', orderId: 'ORD-FUTURE', occurredAt: '2027-12-01T00:00:00Z', currency: 'JPY', amount: 10_000 };
    const onTime = { ...ahead, orderId: 'ORD-ON-TIME', occurredAt: '2026-11-30T00:00:00Z' };
    await produceAll(kafka, [commandMessage(ahead, 'purchase-from-the-future', config), commandMessage(onTime, 'purchase-on-time', config)]);
    await caughtUp();
    const [letter] = (await new DeadLetterBrowser(kafka, config).list()).filter((l) => l.messageId === 'purchase-from-the-future');
    expect(letter).toMatchObject({ reason: 'LEDGER.FUTURE_TIME', key: 'CUST-FUTURE' });
    expect(letter.detail).toMatch(/^occurredAt 2027-12-01T00:00:00Z is later than the latest accepted business time 2026-12-01T00:05:00.000Z/);
    const stream = await store.readStream('loyaltyAccount-CUST-FUTURE');
    expect(stream.filter((e) => e.type === 'loyalty.purchase-recorded').map((e) => e.data.orderId)).toEqual(['ORD-ON-TIME']);
  }, 60_000);

  it('dead-letters a refund of an unknown order, then re-drives it once the purchase is in', async () => {
    const refund = { type: 'RecordRefund' as const, customerId: 'CUST-R', refundId: 'REF-1', orderId: 'ORD-R', occurredAt: '2026-11-10T00:00:00Z', amount: 5_000 };
    await produceAll(kafka, [commandMessage(refund, 'refund-too-early', config)]);
    await caughtUp();
    const browser = new DeadLetterBrowser(kafka, config);
    const [letter] = (await browser.list()).filter((l) => l.messageId === 'refund-too-early');
    expect(letter).toMatchObject({ reason: 'LEDGER.UNKNOWN_ORDER', key: 'CUST-R', sourceTopic: config.topic(LOYALTY_TOPICS.purchases) });

    // The cause is fixed: the purchase arrives (here straight through the ledger writer).
    await writer.execute({ command: { type: 'RecordPurchase', customerId: 'CUST-R', orderId: 'ORD-R', occurredAt: '2026-11-01T00:00:00Z', currency: 'JPY', amount: 10_000 }, provenance: { channel: 'system', job: 'test' } });
    expect(await available('CUST-R')).toBe(200);

    expect(await browser.redrive([{ partition: letter.partition, offset: letter.offset }, { partition: 0, offset: '999999' }])).toEqual({ redriven: 1, notFound: [{ partition: 0, offset: '999999' }] });
    await caughtUp();
    expect(await available('CUST-R')).toBe(100);
    const stream = await store.readStream('loyaltyAccount-CUST-R');
    const reversed = stream.find((e) => e.type === 'loyalty.points-reversed')!;
    expect(reversed.metadata.provenance).toMatchObject({ channel: 'kafka', messageId: 'refund-too-early' });
  }, 90_000);
});
