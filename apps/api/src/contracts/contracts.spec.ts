import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Parser } from '@asyncapi/parser';
import { Document, Spectral, type ISpectralDiagnostic } from '@stoplight/spectral-core';
import * as Parsers from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { loyaltyClient } from '@loyalty/api-client';
import { JsonLogger } from '@loyalty/http-platform';
import { decodeMessage, MESSAGE_CATALOG, renderAsyncApi } from '@loyalty/kafka-contracts';
import { loadConfig } from '../config/app-config';
import { createApp } from '../create-app';
import { generateResponseSchemas } from './response-schemas';
import { notificationChannel } from './notification-contract';
import { CONTRACT_PATHS, json, renderClientTypes, renderOpenApi } from './write-contracts';

// The published contracts, checked by their users' tools: the OpenAPI document by a standard
// linter (Spectral's OAS ruleset) and by a typed client generated from it (openapi-typescript +
// openapi-fetch) driving the main flows; the AsyncAPI document by the AsyncAPI parser. And each
// is what the code says: regenerate with `npm run contracts:generate`.

const read = (path: string) => readFileSync(path, 'utf8');
type OpenApi = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, unknown> }>; parameters?: { name: string; in: string }[]; 'x-roles'?: string[] }>
  >;
  components: { schemas: Record<string, unknown> };
};

async function lintOpenApi(text: string): Promise<ISpectralDiagnostic[]> {
  const spectral = new Spectral();
  spectral.setRuleset({ extends: [[oas as never, 'recommended']] } as never);
  return spectral.run(new Document(text, Parsers.Json));
}

describe('the HTTP contract (docs/http/openapi.json)', () => {
  it('is what the app serves, with the answers its TypeScript types generate (npm run contracts:generate)', async () => {
    expect(read(CONTRACT_PATHS.responseSchemas)).toBe(json(generateResponseSchemas()));
    expect(read(CONTRACT_PATHS.openApi)).toBe(await renderOpenApi());
  }, 60_000);

  it('passes the OAS linter (Spectral, recommended rules) without an error or a warning, and the linter does catch a broken document', async () => {
    const findings = await lintOpenApi(read(CONTRACT_PATHS.openApi));
    expect(findings.map((f) => `${f.code} ${f.path.join('.')}: ${f.message}`)).toEqual([]);
    const broken = read(CONTRACT_PATHS.openApi).replace('"#/components/schemas/LiabilityResponse"', '"#/components/schemas/NoSuchSchema"');
    expect((await lintOpenApi(broken)).filter((f) => f.severity === 0).map((f) => f.code)).toContain('invalid-ref');
  }, 60_000);

  it('documents every operation: its answer, its problem+json errors, its roles, Idempotency-Key on writes, integers as integers', () => {
    const doc = JSON.parse(read(CONTRACT_PATHS.openApi)) as OpenApi;
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
        if (!success.some(([, r]) => r.content && Object.keys(r.content).length > 0)) missing.push(`${where}: no success body`);
        for (const status of ['400', '401', '403', '503'])
          if (!op.responses[status]?.content?.['application/problem+json'] && !(status === '400' && !op.parameters?.length))
            missing.push(`${where}: no ${status} problem`);
        if (!op['x-roles']?.length) missing.push(`${where}: no x-roles`);
        if (method === 'post' && !op.parameters?.some((p) => p.name === 'Idempotency-Key' && p.in === 'header')) missing.push(`${where}: no Idempotency-Key`);
      }
    }
    expect(missing).toEqual([]);
    // Points, minor units, positions and counts are integers; a fraction says so (format double: NPS, mean satisfaction).
    const fractions: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      if (schema.type === 'number' && schema.format !== 'double') fractions.push(path);
      for (const [key, value] of Object.entries(schema)) walk(value, `${path}.${key}`);
    };
    walk(doc, '');
    expect(fractions).toEqual([]);
    expect((doc.paths['/v1/finance/liability'].get as unknown as { parameters: { name: string }[] }).parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['asOf', 'atPosition', 'knownAt', 'customerId']),
    );
  });

  it('types the client exactly as openapi-typescript generates them from the document', () => {
    const into = join(mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? '/tmp', 'client-types-')), 'openapi.d.ts');
    renderClientTypes(CONTRACT_PATHS.openApi, into);
    expect(read(CONTRACT_PATHS.clientTypes)).toBe(read(into));
  }, 60_000);
});

describe('the typed client drives the main flows against the running app', () => {
  const ADMIN = 'admin-key-contract';
  const FINANCE = 'finance-key-contract';
  const INGEST = 'ingest-key-contract';
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    app = await createApp(
      loadConfig({ LEDGER_STORE: 'memory', LOYALTY_API_KEYS: `${ADMIN}:admin,${FINANCE}:finance,${INGEST}:ingest`, LOYALTY_EXPIRY_INTERVAL_SECONDS: '0' }),
      new JsonLogger('error', () => undefined),
    );
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  it('records a purchase once, refuses the same order with another amount, redeems, and reads the account and the liability', async () => {
    const ingest = loyaltyClient(baseUrl, INGEST);
    const purchase = { orderId: 'ORD-C-1', customerId: 'CUST-C', occurredAt: '2026-10-01T10:00:00+09:00', currency: 'JPY', amount: 12_800 };
    const first = await ingest.POST('/v1/purchases', { body: purchase });
    expect(first.response.status).toBe(201);
    expect(first.data?.status).toBe('accepted');
    const again = await ingest.POST('/v1/purchases', { body: purchase });
    expect(again.data?.status).toBe('duplicate');
    const conflict = await ingest.POST('/v1/purchases', { body: { ...purchase, amount: 12_801 } });
    expect(conflict.response.status).toBe(409);
    expect(conflict.error).toMatchObject({ code: 'LEDGER.SOURCE_CONFLICT', details: { field: 'amount' } });

    const admin = loyaltyClient(baseUrl, ADMIN);
    const redeemed = await admin.POST('/v1/accounts/{customerId}/redemptions', {
      params: { path: { customerId: 'CUST-C' } },
      body: { redemptionId: 'RDM-C-1', points: 100, reward: 'coupon' },
    });
    expect(redeemed.response.status).toBe(201);
    const account = await admin.GET('/v1/accounts/{customerId}', { params: { path: { customerId: 'CUST-C' }, query: {} } });
    expect(account.data?.points).toMatchObject({ available: 128 + 100 - 100, pending: 0 }); // 128 base, +100 first purchase; 100 redeemed

    const finance = loyaltyClient(baseUrl, FINANCE);
    const liability = await finance.GET('/v1/finance/liability', { params: { query: { customerId: 'CUST-C' } } });
    expect(liability.data).toMatchObject({ customerId: 'CUST-C', outstandingPoints: account.data?.points.outstanding });
    const forbidden = await ingest.GET('/v1/finance/liability', { params: { query: {} } });
    expect(forbidden.response.status).toBe(403);
    expect(forbidden.error).toMatchObject({ code: 'AUTH.FORBIDDEN' });
  });
});

describe('the Kafka contract (docs/kafka/asyncapi.json)', () => {
  it('is valid for the AsyncAPI parser, is what the payload classes generate, and each message example is a message the ledger takes', async () => {
    const text = read(CONTRACT_PATHS.asyncApi);
    expect(text).toBe(renderAsyncApi([notificationChannel()]));
    const { document, diagnostics } = await new Parser().parse(text);
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.code} ${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    const messages = (
      JSON.parse(text) as {
        components: { messages: Record<string, { examples: { payload: { type: keyof typeof MESSAGE_CATALOG; payload: { customerId: string } } }[] }> };
      }
    ).components.messages;
    expect(Object.keys(messages)).toHaveLength(Object.keys(MESSAGE_CATALOG).length);
    for (const message of Object.values(messages)) {
      expect(message.examples).toHaveLength(1);
      const { payload } = message.examples[0];
      expect(decodeMessage(JSON.stringify(payload), { topic: MESSAGE_CATALOG[payload.type].topic, key: payload.payload.customerId })).toMatchObject({
        ok: true,
      });
    }
    // The topic the ledger writes: its examples are what the derivation produced, and fit the envelope's schema
    const notifications = (JSON.parse(text) as { channels: Record<string, { subscribe?: { message: { examples: { name: string }[] } } }> }).channels[
      'loyalty.notifications.v1'
    ];
    expect(notifications.subscribe?.message.examples.map((e) => e.name)).toEqual(
      expect.arrayContaining(['tier.upgraded', 'points.earned', 'points.available', 'segment.entered']),
    );
    const wrongExample = text.replace('"producer": "loyalty-ledger"', '"producer": 42');
    expect((await new Parser().parse(wrongExample)).diagnostics.filter((d) => d.severity === 0).length).toBeGreaterThan(0);
    const broken = text.replace('"#/components/schemas/PurchaseRecordedV1"', '"#/components/schemas/NoSuchSchema"');
    expect((await new Parser().parse(broken)).diagnostics.filter((d) => d.severity === 0).length).toBeGreaterThan(0);
  }, 60_000);
});
