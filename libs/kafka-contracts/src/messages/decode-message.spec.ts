import { readFileSync } from 'node:fs';
import { decodeMessage } from './decode-message';
import { LOYALTY_TOPICS } from './message-catalog';
import { LoyaltyProducer } from '../producer/loyalty-producer';
import { renderAsyncApi } from '../schema/message-schemas';
import { join } from 'node:path';

const ASYNCAPI_PATH = join(__dirname, '..', '..', '..', '..', 'docs', 'kafka', 'asyncapi.json');

const purchase = {
  type: 'purchase.recorded',
  schemaVersion: 1,
  messageId: 'msg-1',
  occurredAt: '2026-11-22T10:00:00+09:00',
  producer: 'pos-tokyo',
  payload: {
    orderId: 'ORD-1',
    customerId: 'CUST-1',
    occurredAt: '2026-11-22T10:00:00+09:00',
    currency: 'JPY',
    amount: 12800,
    lines: [{ sku: 'A', category: 'food', quantity: 1, unitPrice: 12800 }],
  },
};
const decode = (value: unknown, context: { topic?: string; key?: string | null } = { topic: LOYALTY_TOPICS.purchases, key: 'CUST-1' }) =>
  decodeMessage(typeof value === 'string' ? value : JSON.stringify(value), context);

describe('decodeMessage', () => {
  it('accepts a valid purchase envelope', () => {
    const result = decode(purchase);
    expect(result).toMatchObject({ ok: true, envelope: { type: 'purchase.recorded', messageId: 'msg-1', payload: { orderId: 'ORD-1', amount: 12800 } } });
  });

  it.each([
    ['not JSON', '{"type": ', 'INVALID_JSON'],
    ['an array', [], 'INVALID_ENVELOPE'],
    ['a missing messageId', { ...purchase, messageId: undefined }, 'INVALID_ENVELOPE'],
    ['an unknown envelope field', { ...purchase, extra: 1 }, 'INVALID_ENVELOPE'],
    ['an unknown type', { ...purchase, type: 'purchase.exploded' }, 'UNKNOWN_TYPE'],
    ['an unsupported version', { ...purchase, schemaVersion: 7 }, 'UNSUPPORTED_VERSION'],
    ['a fractional amount', { ...purchase, payload: { ...purchase.payload, amount: 12.5 } }, 'SCHEMA_VIOLATION'],
    ['an unknown payload field', { ...purchase, payload: { ...purchase.payload, ammount: 1 } }, 'SCHEMA_VIOLATION'],
  ])('names the reason for %s', (_name, value, reason) => {
    expect(decode(value)).toMatchObject({ ok: false, reason });
  });

  it('names the bad payload field by path', () => {
    const bad = { ...purchase, payload: { ...purchase.payload, lines: [{ sku: 'A', category: 'food', quantity: 0, unitPrice: 1 }] } };
    expect(decode(bad)).toEqual({
      ok: false,
      reason: 'SCHEMA_VIOLATION',
      detail: 'payload.lines[0].quantity: quantity must not be less than 1',
      messageId: 'msg-1',
      field: 'payload.lines[0].quantity',
    });
  });

  it("refuses a message on another type's topic, or keyed by someone else", () => {
    expect(decode(purchase, { topic: LOYALTY_TOPICS.surveyAnswers, key: 'CUST-1' })).toMatchObject({ ok: false, reason: 'WRONG_TOPIC' });
    expect(decode(purchase, { topic: LOYALTY_TOPICS.purchases, key: 'CUST-2' })).toMatchObject({ ok: false, reason: 'KEY_MISMATCH' });
  });

  it('is what the producer helper checks before sending', () => {
    const built = LoyaltyProducer.buildMessage(
      'refund.recorded',
      { refundId: 'R-1', orderId: 'ORD-1', customerId: 'CUST-1', occurredAt: '2026-11-23T00:00:00Z', amount: 100 },
      'pos-tokyo',
      { messageId: 'm-2' },
    );
    expect(built).toMatchObject({ topic: LOYALTY_TOPICS.purchases, message: { key: 'CUST-1', headers: { 'message-type': 'refund.recorded' } } });
    expect(() =>
      LoyaltyProducer.buildMessage('refund.recorded', { refundId: 'R-1', orderId: 'ORD-1', customerId: 'CUST-1', occurredAt: 'yesterday', amount: 100 }, 'pos'),
    ).toThrow('SCHEMA_VIOLATION');
  });
});

describe('published contract', () => {
  it('docs/kafka/asyncapi.json is what the DTOs generate (run `npm run contracts:generate` after changing them)', () => {
    // The topics the ledger writes for others are the app's to add (apps/api/src/contracts checks them): the rest is this library's.
    const published = JSON.parse(readFileSync(ASYNCAPI_PATH, 'utf8')) as { channels: Record<string, unknown> };
    const consumed = new Set<string>(Object.values(LOYALTY_TOPICS));
    published.channels = Object.fromEntries(Object.entries(published.channels).filter(([topic]) => consumed.has(topic)));
    expect(published).toEqual(JSON.parse(renderAsyncApi()));
  });

  it('the generated JSON Schema carries the DTO constraints', () => {
    const doc = JSON.parse(renderAsyncApi());
    const purchaseSchema = doc.components.schemas.PurchaseRecordedV1;
    expect(purchaseSchema.required).toEqual(expect.arrayContaining(['orderId', 'customerId', 'occurredAt', 'currency', 'amount']));
    expect(purchaseSchema.properties.amount).toMatchObject({ type: 'integer', minimum: 1 });
    expect(purchaseSchema.additionalProperties).toBe(false);
    expect(Object.keys(doc.channels)).toEqual(expect.arrayContaining(['loyalty.purchases.v1', 'loyalty.dead-letters.v1']));
  });
});
