// @needs kafka (left out of npm run test:unit)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { InMemoryEventStore } from '@loyalty/event-store';
import { LedgerWriter } from '@loyalty/ledger-application';
import { DeadLetterBrowser, LedgerIngestionConsumer } from '@loyalty/kafka-ingestion';
import { LOYALTY_TOPICS } from '@loyalty/kafka-contracts';
import { accountHoldingsAt } from '@loyalty/ledger-domain';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { commandMessage, isolatedKafkaConfig, produceAll, testKafka, waitForGroupToCatchUp } from '@loyalty/kafka-test-kit';

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
  const browser = new DeadLetterBrowser(kafka, config);
  const caughtUp = () => waitForGroupToCatchUp(admin, config.groupId(), consumer.topics());
  const available = (customerId: string) => writer.accounts.read(customerId, (a) => accountHoldingsAt(a.state, clock.now().getTime()).available);

  beforeAll(async () => {
    await consumer.start();
    await admin.connect();
  });
  afterAll(async () => {
    await browser.close();
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
    const produced = spawnSync(
      join(root, 'infra', 'kafka', 'kafka.sh'),
      ['console-producer', '--topic', config.topic(LOYALTY_TOPICS.purchases), '--property', 'parse.key=true', '--property', 'key.separator=|'],
      {
        input: `CUST-CONSOLE|${JSON.stringify(envelope)}\n`,
        encoding: 'utf8',
      },
    );
    expect(produced.status).toBe(0);
    return caughtUp().then(async () => {
      // 200 base + 100 first-purchase bonus, available after the 14 pending days.
      expect(await available('CUST-CONSOLE')).toBe(300);
    });
  }, 60_000);

  it('dead-letters a purchase dated a year ahead with LEDGER.FUTURE_TIME, the code HTTP answers, and applies the next message', async () => {
    const ahead = {
      type: 'RecordPurchase' as const,
      customerId: 'CUST-FUTURE',
      orderId: 'ORD-FUTURE',
      occurredAt: '2027-12-01T00:00:00Z',
      currency: 'JPY',
      amount: 10_000,
    };
    const onTime = { ...ahead, orderId: 'ORD-ON-TIME', occurredAt: '2026-11-30T00:00:00Z' };
    await produceAll(kafka, [commandMessage(ahead, 'purchase-from-the-future', config), commandMessage(onTime, 'purchase-on-time', config)]);
    await caughtUp();
    const [letter] = (await browser.list()).filter((l) => l.messageId === 'purchase-from-the-future');
    expect(letter).toMatchObject({ reason: 'LEDGER.FUTURE_TIME', key: 'CUST-FUTURE' });
    expect(letter.detail).toMatch(/^occurredAt 2027-12-01T00:00:00Z is later than the latest accepted business time 2026-12-01T00:05:00.000Z/);
    const stream = await store.readStream('loyaltyAccount-CUST-FUTURE');
    expect(stream.filter((e) => e.type === 'loyalty.purchase-recorded').map((e) => e.data.orderId)).toEqual(['ORD-ON-TIME']);
  }, 60_000);

  it('dead-letters a refund of an unknown order, then re-drives it once the purchase is in', async () => {
    const refund = {
      type: 'RecordRefund' as const,
      customerId: 'CUST-R',
      refundId: 'REF-1',
      orderId: 'ORD-R',
      occurredAt: '2026-11-10T00:00:00Z',
      amount: 5_000,
    };
    await produceAll(kafka, [commandMessage(refund, 'refund-too-early', config)]);
    await caughtUp();
    const [letter] = (await browser.list()).filter((l) => l.messageId === 'refund-too-early');
    expect(letter).toMatchObject({ reason: 'LEDGER.UNKNOWN_ORDER', key: 'CUST-R', sourceTopic: config.topic(LOYALTY_TOPICS.purchases) });

    // The cause is fixed: the purchase arrives (here straight through the ledger writer).
    await writer.execute({
      command: { type: 'RecordPurchase', customerId: 'CUST-R', orderId: 'ORD-R', occurredAt: '2026-11-01T00:00:00Z', currency: 'JPY', amount: 10_000 },
      provenance: { channel: 'system', job: 'test' },
    });
    expect(await available('CUST-R')).toBe(200);

    expect(
      await browser.redrive(
        [
          { partition: letter.partition, offset: letter.offset },
          { partition: 0, offset: '999999' },
        ],
        'ops-test',
      ),
    ).toEqual({ redriven: 1, notFound: [{ partition: 0, offset: '999999' }] });
    // Marked as re-driven, for this instance and any other.
    const elsewhere = new DeadLetterBrowser(kafka, config);
    const redriven = await elsewhere.page({ limit: 10, status: 'redriven' });
    await elsewhere.close();
    expect(redriven.items.map((l) => [l.messageId, l.redriven?.by])).toEqual([['refund-too-early', 'ops-test']]);
    await caughtUp();
    expect(await available('CUST-R')).toBe(100);
    const stream = await store.readStream('loyaltyAccount-CUST-R');
    const reversed = stream.find((e) => e.type === 'loyalty.points-reversed')!;
    expect(reversed.metadata.provenance).toMatchObject({ channel: 'kafka', messageId: 'refund-too-early' });
  }, 90_000);

  it('keeps every dead letter reachable: 2,600 of them paged by cursor, filtered by reason', async () => {
    const purchaseOf = (n: number) =>
      commandMessage(
        { type: 'RecordPurchase', customerId: `CUST-MK-${n}`, orderId: `O-MK-${n}`, occurredAt: '2026-11-01T00:00:00Z', currency: 'JPY', amount: 100 },
        `mk-${n}`,
        config,
      );
    const notJson = (n: number) => ({ topic: config.topic(LOYALTY_TOPICS.purchases), message: { key: `CUST-DL-${n % 10}`, value: `not json ${n}` } });
    const keyedBySomeoneElse = (n: number) => ({ topic: purchaseOf(n).topic, message: { ...purchaseOf(n).message, key: 'SOMEONE-ELSE' } });
    await produceAll(kafka, [...Array.from({ length: 2_500 }, (_, n) => notJson(n)), ...Array.from({ length: 100 }, (_, n) => keyedBySomeoneElse(n))]);
    await caughtUp();
    const reader = new DeadLetterBrowser(kafka, config);
    try {
      const seen = new Set<string>();
      let pages = 0;
      for (let after: string | undefined; ;) {
        const page = await reader.page({ after, limit: 1000, sourceTopic: config.topic(LOYALTY_TOPICS.purchases), reason: 'INVALID_JSON' });
        pages++;
        for (const l of page.items) seen.add(`${l.partition}:${l.offset}`);
        if (page.nextAfter === null) break;
        after = page.nextAfter;
      }
      expect(seen.size).toBe(2_500);
      expect(pages).toBe(3);
      const misKeyed = await reader.page({ limit: 1000, reason: 'KEY_MISMATCH' });
      expect(misKeyed).toMatchObject({ total: 100, nextAfter: null });
      expect(misKeyed.items.every((l) => l.redriven === null)).toBe(true);
    } finally {
      await reader.close();
    }
  }, 120_000);
});
