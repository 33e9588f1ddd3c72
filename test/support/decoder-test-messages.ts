import { LOYALTY_TOPICS } from '@loyalty/kafka-contracts';
import type { RawMessage } from '@loyalty/kafka-ingestion';

/** Messages of every kind the decoder must tell apart, for the decoder's specs (inline and threaded). */
export function decoderTestMessages(): { topic: string; messages: RawMessage[] } {
  const purchase = (n: number, extra: Record<string, unknown> = {}) => ({
    type: 'purchase.recorded',
    schemaVersion: 1,
    messageId: `msg-${n}`,
    occurredAt: '2026-11-22T10:00:00+09:00',
    producer: 'pos-東京',
    payload: {
      orderId: `ORD-${n}`,
      customerId: `CUST-${n}`,
      occurredAt: '2026-11-22T10:00:00+09:00',
      currency: 'JPY',
      amount: 12800 + n,
      lines: [{ sku: 'お茶-1', category: 'food', quantity: 1, unitPrice: 12800 + n }],
      ...extra,
    },
  });
  const text = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
  const key = (n: number) => Buffer.from(`CUST-${n}`, 'utf8');
  return {
    topic: LOYALTY_TOPICS.purchases,
    messages: [
      { value: text(purchase(1)), key: key(1) },
      { value: null, key: key(2) }, // a tombstone
      { value: Buffer.from('{"type": ', 'utf8'), key: key(3) },
      { value: text(purchase(4, { amount: 12.5 })), key: key(4) },
      { value: text(purchase(5)), key: key(6) }, // keyed by another customer
      { value: text(purchase(7)), key: null },
      { value: text(purchase(8)), key: key(8) },
    ],
  };
}
