// @needs kafka (left out of npm run test:unit)
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { InMemoryEventStore, type EventStore, type StoredEvent } from '@loyalty/event-store';
import { JsonLogger } from '@loyalty/http-platform';
import { DeadLetterBrowser, LedgerIngestionConsumer } from '@loyalty/kafka-ingestion';
import { decodeMessage, MESSAGE_CATALOG, payloadSchemas, type MessageType } from '@loyalty/kafka-contracts';
import { EVENT_STORE, LedgerWriter, systemClock } from '@loyalty/ledger-application';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';
import { isolatedKafkaConfig, produceAll, testKafka, waitForGroupToCatchUp } from '@loyalty/kafka-test-kit';

// Hostile inputs generated from the message schemas (the ones both doors validate with): for
// every field of every message type, each mutation below, sent over HTTP and through the real
// broker, each followed on its key by a valid message. Nothing may answer 5xx or stop the
// consumer; every refusal names the field; nothing refused reaches the ledger; both doors agree.

const INGEST = 'ingest-key-fuzz';
const ruleBook = new RuleBook([defaultProgramRules()]);
const PATHS: Record<MessageType, string> = {
  'purchase.recorded': '/v1/purchases',
  'refund.recorded': '/v1/refunds',
  'survey.answered': '/v1/survey-answers',
  'support-contact.recorded': '/v1/support-contacts',
  'customer.enrolled': '/v1/customers',
};
const SOURCE_ID: Record<MessageType, string> = {
  'purchase.recorded': 'orderId',
  'refund.recorded': 'refundId',
  'survey.answered': 'responseId',
  'support-contact.recorded': 'contactId',
  'customer.enrolled': 'customerId',
};

const nest = (value: unknown, depth: number): unknown => (depth === 0 ? value : [nest(value, depth - 1)]);
const MUTATIONS: [string, (original: unknown) => unknown][] = [
  ['absent', () => undefined],
  ['null', () => null],
  ['wrong type', (v) => (typeof v === 'string' ? 12345 : typeof v === 'number' ? '12' : typeof v === 'boolean' ? 'yes' : 'text')],
  ['empty', (v) => (typeof v === 'string' ? '' : Array.isArray(v) ? [] : typeof v === 'object' ? {} : '')],
  ['0', () => 0],
  ['-1', () => -1],
  ['2^53', () => 2 ** 53],
  ['1e20', () => 1e20],
  ['1.5', () => 1.5],
  ['long string', () => 'x'.repeat(10_000)],
  ['control characters', (v) => `${typeof v === 'string' ? v : 'a'}\u0000\u001b[2J`],
  ['deep nesting', (v) => nest(v, 40)],
  ['impossible date', (v) => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? '2026-02-30T10:00:00Z' : '2026-02-30')],
  ['far future', (v) => (typeof v === 'string' && v.length === 10 ? '9999-12-31' : '9999-12-31T23:59:59Z')],
  ['far past', (v) => (typeof v === 'string' && v.length === 10 ? '0001-01-01' : '0001-01-01T00:00:00Z')],
];

interface HostileInput {
  n: number;
  type: MessageType;
  field: string;
  mutation: string;
  customerId: string;
  payload: Record<string, unknown>;
  /** The valid message sent after it on the same key. */
  follower: Record<string, unknown>;
  /** A purchase the refund refers to, sent first (refunds only). */
  setup: Record<string, unknown> | null;
}

/** Every field path of a payload schema: its properties, and the properties of a line. */
function fieldsOf(type: MessageType): string[] {
  const schemas = payloadSchemas();
  const name = (MESSAGE_CATALOG[type].versions as Record<number, { name: string }>)[1].name;
  const properties = Object.keys((schemas[name] as { properties: Record<string, unknown> }).properties);
  const lineFields = Object.keys((schemas.PurchaseLineV1 as { properties: Record<string, unknown> }).properties);
  return properties.flatMap((p) => (p === 'lines' ? ['lines', ...lineFields.map((f) => `lines[0].${f}`)] : [p]));
}

function withField(payload: Record<string, unknown>, path: string, mutate: (original: unknown) => unknown): Record<string, unknown> {
  const copy = structuredClone(payload) as Record<string, unknown>;
  const [, head, index, tail] = /^(\w+)(?:\[(\d+)\]\.(\w+))?$/.exec(path) ?? [];
  const target = index === undefined ? copy : (copy[head] as Record<string, unknown>[])[Number(index)];
  const key = index === undefined ? head : tail;
  const value = mutate(target[key]);
  if (value === undefined) delete target[key];
  else target[key] = value;
  return copy;
}

function hostileInputs(): HostileInput[] {
  const inputs: HostileInput[] = [];
  for (const type of Object.keys(MESSAGE_CATALOG) as MessageType[]) {
    for (const field of fieldsOf(type)) {
      for (const [mutation, mutate] of MUTATIONS) {
        const n = inputs.length;
        const customerId = `FZ-${n}`;
        const example = {
          ...(MESSAGE_CATALOG[type].example as Record<string, unknown>),
          customerId,
          [SOURCE_ID[type]]: type === 'customer.enrolled' ? customerId : `H-${n}`,
        };
        if (type === 'refund.recorded') example.orderId = `SETUP-${n}`;
        inputs.push({
          n,
          type,
          field,
          mutation,
          customerId,
          payload: withField(example, field, mutate),
          follower: { orderId: `F-${n}`, customerId, occurredAt: '2026-11-25T10:00:00Z', currency: 'JPY', amount: 1_000 },
          setup: type === 'refund.recorded' ? { orderId: `SETUP-${n}`, customerId, occurredAt: '2026-11-20T10:00:00Z', currency: 'JPY', amount: 12_800 } : null,
        });
      }
    }
  }
  return inputs;
}

/**
 * Whether a refusal names the field to blame, over HTTP (errors[].field, details.field) or Kafka
 * (dlq-field): the mutated field (or a field inside it) when the mutation broke the schema; a
 * field at all when the input is well formed and the ledger refused it for what it says (a
 * customer id that is a valid id, but of a customer without that order).
 */
function namesField(named: string[], input: HostileInput): boolean {
  const names = named.filter((f) => f !== '').map((f) => f.replace(/^payload\./, ''));
  if (wellFormed(input)) return names.length > 0;
  return names.some((name) => name === input.field || name.startsWith(`${input.field}.`) || name.startsWith(`${input.field}[`));
}

/** The shared validator's verdict on the payload alone (the one both doors run). */
function wellFormed(input: HostileInput): boolean {
  const value = JSON.stringify({
    type: input.type,
    schemaVersion: 1,
    messageId: 'oracle',
    occurredAt: '2026-11-25T10:00:00Z',
    producer: 'fuzz',
    payload: input.payload,
  });
  return decodeMessage(value).ok;
}

/** The key a correct producer uses: the payload's customer id (where it is one). */
function keyOf(input: HostileInput): string {
  return typeof input.payload.customerId === 'string' && input.payload.customerId.length > 0 ? input.payload.customerId : input.customerId;
}

async function entries(store: EventStore): Promise<StoredEvent[]> {
  return store.readAll(0n, 1_000_000);
}

/** The entries written by a request (HTTP request id) or a message (message id). */
function writtenBy(ledger: StoredEvent[]): Set<string> {
  const ids = new Set<string>();
  for (const e of ledger) {
    const provenance = e.metadata.provenance as { requestId?: string; messageId?: string } | undefined;
    if (provenance?.requestId) ids.add(provenance.requestId);
    if (provenance?.messageId) ids.add(provenance.messageId);
  }
  return ids;
}

describe('hostile inputs, generated from the message schemas, over HTTP and the real broker', () => {
  const inputs = hostileInputs();
  const httpAccepted = new Set<number>();
  let app: INestApplication;

  beforeAll(async () => {
    app = await createApp(
      loadConfig({ LEDGER_STORE: 'memory', LOYALTY_API_KEYS: `${INGEST}:ingest`, LOYALTY_EXPIRY_INTERVAL_SECONDS: '0' }),
      new JsonLogger('error', () => undefined),
    );
    await initApp(app);
  });
  afterAll(() => app.close());

  it('over HTTP: no 5xx, every refusal names the field, nothing refused is written, every valid message after a hostile one is applied', async () => {
    const http = () => request(app.getHttpServer());
    const named = new Map<number, string[]>();
    const statuses = new Map<number, number>();
    let followersApplied = 0;
    for (const input of inputs) {
      if (input.setup) await http().post('/v1/purchases').set('Authorization', `Bearer ${INGEST}`).send(input.setup).expect(201);
      const res = await http().post(PATHS[input.type]).set('Authorization', `Bearer ${INGEST}`).set('X-Request-Id', `fuzz-H-${input.n}`).send(input.payload);
      statuses.set(input.n, res.status);
      named.set(input.n, [
        ...((res.body?.errors as { field: string }[] | undefined) ?? []).map((e) => e.field),
        ...(typeof res.body?.details?.field === 'string' ? [res.body.details.field as string] : []),
      ]);
      if (res.status < 300) httpAccepted.add(input.n);
      if ((await http().post('/v1/purchases').set('Authorization', `Bearer ${INGEST}`).send(input.follower)).status === 201) followersApplied++;
    }
    const serverErrors = [...statuses.values()].filter((s) => s >= 500).length;
    const refused = inputs.filter((i) => !httpAccepted.has(i.n));
    const unnamed = refused
      .filter((i) => !namesField(named.get(i.n) ?? [], i))
      .map((i) => `${i.type} ${i.field} (${i.mutation}): ${statuses.get(i.n)} ${JSON.stringify(named.get(i.n))}`);
    const written = writtenBy(await entries(app.get<EventStore>(EVENT_STORE)));
    const writtenWhenRefused = refused.filter((i) => written.has(`fuzz-H-${i.n}`)).length;

    console.info(
      `[fuzz http] ${inputs.length} hostile inputs (${new Set(inputs.map((i) => `${i.type}/${i.field}`)).size} fields of ${Object.keys(MESSAGE_CATALOG).length} message types x ${MUTATIONS.length} mutations): ` +
        `5xx ${serverErrors}; refused ${refused.length}, the field named in ${refused.length - unnamed.length} (${percent(refused.length - unnamed.length, refused.length)}); ` +
        `ledger entries from refused inputs ${writtenWhenRefused}; accepted as valid ${httpAccepted.size} (an optional field absent or null, an empty comment, ...); valid messages after a hostile one applied ${followersApplied}/${inputs.length}`,
    );
    expect(serverErrors).toBe(0);
    expect(unnamed).toEqual([]);
    expect(writtenWhenRefused).toBe(0);
    expect(followersApplied).toBe(inputs.length);
    expect(refused.length).toBeGreaterThan(inputs.length / 2);
  }, 300_000);

  it('through the real broker: no crash or restart, every dead letter names the field, nothing dead-lettered is written, every valid message after a hostile one is applied, and the doors agree', async () => {
    const config = isolatedKafkaConfig();
    const kafka = testKafka();
    const store = new InMemoryEventStore();
    const consumer = new LedgerIngestionConsumer(kafka, new LedgerWriter(store, { current: () => ruleBook }, systemClock), config, systemClock);
    const envelope = (type: MessageType, messageId: string, payload: Record<string, unknown>) =>
      JSON.stringify({ type, schemaVersion: 1, messageId, occurredAt: '2026-11-25T10:00:00Z', producer: 'fuzz', payload });
    const records = inputs.flatMap((input) => {
      const topic = config.topic(MESSAGE_CATALOG[input.type].topic);
      const purchases = config.topic(MESSAGE_CATALOG['purchase.recorded'].topic);
      return [
        ...(input.setup ? [{ topic: purchases, message: { key: input.customerId, value: envelope('purchase.recorded', `S-${input.n}`, input.setup) } }] : []),
        { topic, message: { key: keyOf(input), value: envelope(input.type, `H-${input.n}`, input.payload) } },
        { topic: purchases, message: { key: input.customerId, value: envelope('purchase.recorded', `F-${input.n}`, input.follower) } },
      ];
    });
    await consumer.start();
    const admin = kafka.admin();
    await admin.connect();
    const browser = new DeadLetterBrowser(kafka, config);
    try {
      await produceAll(kafka, records);
      await waitForGroupToCatchUp(admin, config.groupId(), consumer.topics());
      const letters = new Map((await browser.list()).map((l) => [l.messageId ?? '', l]));
      const written = writtenBy(await entries(store));
      const health = consumer.health();

      const deadLettered = inputs.filter((i) => letters.has(`H-${i.n}`));
      const applied = inputs.filter((i) => written.has(`H-${i.n}`));
      const lost = inputs.filter((i) => !letters.has(`H-${i.n}`) && !written.has(`H-${i.n}`)).map((i) => `${i.type} ${i.field} (${i.mutation})`);
      const unnamed = deadLettered
        .filter((i) => !namesField([letters.get(`H-${i.n}`)?.field ?? ''], i))
        .map((i) => `${i.type} ${i.field} (${i.mutation}): ${letters.get(`H-${i.n}`)?.reason} ${letters.get(`H-${i.n}`)?.field}`);
      const bothWays = deadLettered.filter((i) => written.has(`H-${i.n}`)).length;
      const followers = inputs.filter((i) => written.has(`F-${i.n}`)).length;
      const disagree = inputs
        .filter((i) => httpAccepted.has(i.n) !== written.has(`H-${i.n}`))
        .map(
          (i) =>
            `${i.type} ${i.field} (${i.mutation}): HTTP ${httpAccepted.has(i.n) ? 'accepted' : 'refused'}, Kafka ${written.has(`H-${i.n}`) ? 'applied' : letters.get(`H-${i.n}`)?.reason}`,
        );

      console.info(
        `[fuzz kafka] ${inputs.length} hostile messages: consumer restarts ${health.restarts}, state ${health.state}; dead-lettered ${deadLettered.length}, the field named in ${deadLettered.length - unnamed.length} (${percent(deadLettered.length - unnamed.length, deadLettered.length)}); ` +
          `ledger entries from dead-lettered messages ${bothWays}; applied as valid ${applied.length}; lost ${lost.length}; valid messages after a hostile one applied ${followers}/${inputs.length}; HTTP and Kafka disagree on ${disagree.length}`,
      );
      expect(health).toMatchObject({ restarts: 0, consecutiveFailures: 0, state: 'consuming' });
      expect(lost.slice(0, 40)).toEqual([]);
      expect(disagree.slice(0, 40)).toEqual([]);
      expect(unnamed).toEqual([]);
      expect(bothWays).toBe(0);
      expect(lost.slice(0, 40)).toEqual([]);
      expect(followers).toBe(inputs.length);
      expect(disagree.slice(0, 40)).toEqual([]);
    } finally {
      await browser.close();
      await admin.disconnect();
      await consumer.stop();
    }
  }, 300_000);
});

describe('dates that do not exist, and amounts at the limits, over HTTP', () => {
  const ADMIN = 'admin-key-limits';
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      loadConfig({ LEDGER_STORE: 'memory', LOYALTY_API_KEYS: `${ADMIN}:admin`, LOYALTY_EXPIRY_INTERVAL_SECONDS: '0' }),
      new JsonLogger('error', () => undefined),
    );
    await initApp(app);
  });
  afterAll(() => app.close());
  const http = () => request(app.getHttpServer());

  it('refuses 2026-02-30 in every date of a query, naming the parameter, and never reads it as 2 March', async () => {
    const queries: [string, string][] = [
      ['/v1/accounts/CUST-1', 'asOf'],
      ['/v1/accounts/CUST-1', 'knownAt'],
      ['/v1/finance/liability', 'asOf'],
      ['/v1/finance/liability', 'knownAt'],
      ['/v1/finance/roll-forward?to=2026-12-01T00:00:00Z', 'from'],
      ['/v1/finance/roll-forward?from=2026-01-01T00:00:00Z', 'to'],
      ['/v1/finance/trial-balance?to=2026-12-01T00:00:00Z', 'from'],
      ['/v1/finance/breakage?from=2026-01-01T00:00:00Z', 'to'],
      ['/v1/finance/entries', 'from'],
      ['/v1/finance/entries', 'splitAsOf'],
      ['/v1/segments', 'asOf'],
      ['/v1/customers/one-step-from-loyal', 'asOf'],
      ['/v1/analytics/nps', 'from'],
      ['/v1/analytics/support', 'to'],
    ];
    for (const [path, parameter] of queries) {
      const res = await http()
        .get(`${path}${path.includes('?') ? '&' : '?'}${parameter}=2026-02-30T10:00:00Z`)
        .set('Authorization', `Bearer ${ADMIN}`);
      expect([path, parameter, res.status]).toEqual([path, parameter, 400]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(parameter);
    }
  });

  it('keeps the trial balance exactly balanced at the limits (the largest purchase and adjustments), and refuses 2^53 - 1 points naming the field', async () => {
    const limits = defaultProgramRules().limits ?? { maxAmountMinor: 0, maxPoints: 0 };
    const auth = { Authorization: `Bearer ${ADMIN}` };
    await http()
      .post('/v1/purchases')
      .set(auth)
      .send({ orderId: 'O-MAX', customerId: 'CUST-MAX', occurredAt: '2026-11-01T00:00:00Z', currency: 'JPY', amount: limits.maxAmountMinor })
      .expect(201);
    for (let i = 0; i < 3; i++) {
      await http()
        .post('/v1/accounts/CUST-MAX/adjustments')
        .set(auth)
        .send({ adjustmentId: `A-MAX-${i}`, points: limits.maxPoints, reasonCode: 'GOODWILL', note: 'at the limit', occurredAt: '2026-11-02T00:00:00Z' })
        .expect(201);
    }
    const tooMany = await http()
      .post('/v1/accounts/CUST-MAX/adjustments')
      .set(auth)
      .send({ adjustmentId: 'A-TOO-MANY', points: Number.MAX_SAFE_INTEGER, reasonCode: 'GOODWILL', note: 'beyond', occurredAt: '2026-11-02T00:00:00Z' });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ code: 'LEDGER.INVALID_POINTS', details: { field: 'points', max: limits.maxPoints } });
    const trial = (await http().get('/v1/finance/trial-balance?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z').set(auth).expect(200)).body;
    const liability = trial.rows.find((r: { account: string }) => r.account === 'liability:customer-points');
    const earned = (await http().get('/v1/accounts/CUST-MAX').set(auth).expect(200)).body.points.outstanding - 3 * limits.maxPoints;
    expect(liability).toEqual(expect.objectContaining({ debit: 0, credit: earned + 3 * limits.maxPoints }));
    expect(trial.totalDebit).toBe(trial.totalCredit);
    expect(Number.isSafeInteger(trial.totalDebit)).toBe(true);
    expect(trial.totalDebit).toBe(earned + 3 * limits.maxPoints);
  });
});

function percent(part: number, whole: number): string {
  return `${whole === 0 ? 100 : Math.round((1000 * part) / whole) / 10}%`;
}
