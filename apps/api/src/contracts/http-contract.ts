import { payloadSchemas } from '@loyalty/kafka-contracts';
import { PROBLEM_SCHEMA, problemContent } from '@loyalty/http-platform';
import responseSchemas from './response-schemas.json';
import { openApiSchema } from './openapi-schema';

type Schema = Record<string, unknown>;
interface Operation {
  parameters?: Schema[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
  description?: string;
  [key: string]: unknown;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, Schema> };
  [key: string]: unknown;
}

const PROBLEM: Schema = {
  type: 'object',
  description: 'RFC 7807 problem details with a stable machine-readable code; invalid fields are named in errors',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', example: 'https://loyalty-ledger.dev/problems/ledger-insufficient-points' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', example: 'LEDGER.INSUFFICIENT_POINTS' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'messages'],
        properties: { field: { type: 'string', example: 'lines[0].quantity' }, messages: { type: 'array', items: { type: 'string' } } },
      },
    },
    details: { type: 'object', additionalProperties: true, description: 'For a ledger rejection: its facts, the field it concerns among them' },
  },
  additionalProperties: true,
};

const response = (description: string) => ({ description, content: problemContent() });

/** The operations' groups, for readers and generated clients. */
const TAGS = [
  { name: 'ingestion', description: 'Purchases, refunds, survey answers, support contacts, enrolments: the same payloads as the Kafka topics' },
  { name: 'accounts', description: 'A customer account: points as of any instant, redemptions, adjustments, its ledger' },
  { name: 'segments', description: 'RFM segments and their members; loyal customers, good customers, one step from loyal; the predicted value ranking' },
  { name: 'analytics', description: 'NPS, support and repurchase after support, the predictive customer value model' },
  { name: 'notifications', description: 'What the ledger announces: the outbox, webhook endpoints (Standard Webhooks) and their delivery log' },
  { name: 'finance', description: 'The points liability, roll-forward, trial balance, breakage, and the entries behind each figure' },
  { name: 'audit', description: 'Sealed digests and verification of the ledger' },
  { name: 'operations', description: 'Rules versions, replays, re-ratings, expiry runs, the audit trail' },
  { name: 'dead letters', description: 'Kafka messages the ledger could not apply, and their re-drive' },
  { name: 'session', description: 'Who the calling key is: its id and roles (the console signs in with it)' },
];

/**
 * The OpenAPI document as the app serves it and `npm run contracts:generate` writes it
 * (docs/http/openapi.json): what NestJS's decorators say, plus what they cannot: the JSON
 * Schemas of the answers (from their TypeScript types) and of the ingestion bodies (from the
 * Kafka payload classes), problem+json on every error, Idempotency-Key on every write, integers
 * for the integers, and what an API key is.
 */
export function completeContract<T>(generated: T, answers: Record<string, unknown> = responseSchemas): T {
  const document = generated as unknown as OpenApiDocument;
  const schemas = document.components?.schemas ?? {};
  for (const [name, schema] of Object.entries(schemas)) schemas[name] = openApiSchema(schema) as Schema;
  for (const [name, schema] of Object.entries(payloadSchemas())) schemas[name] = openApiSchema(schema) as Schema;
  Object.assign(schemas, answers as Record<string, Schema>, { [PROBLEM_SCHEMA]: PROBLEM });
  document.components = {
    ...document.components,
    schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description:
          'An opaque API key (LOYALTY_API_KEYS, `key:role[+role]`; roles ingest, redeem, finance, ops, admin), sent as `Authorization: Bearer <key>` and never in a query string: not a JWT. ' +
          'Each operation names the roles it needs in x-roles. The server keeps no key in its records: entries and the audit trail name a key by its id, an HMAC of the key under a server secret (16 hex digits), which nobody can recompute from the key alone. ' +
          'Limits: requests a second per key and per source address (429 RATE_LIMIT.EXCEEDED with Retry-After), and failed authentications a minute per address (past it, 429 AUTH.TOO_MANY_FAILURES for a minute, whatever the key).',
      },
    },
  };
  document.servers = [{ url: '/', description: 'This instance (npm start: http://localhost:3000)' }];
  document.tags = TAGS;
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) completeOperation(path, method, operation);
  }
  return generated;
}

function completeOperation(path: string, method: string, operation: Operation): void {
  const responses = operation.responses;
  operation.description ??= operation.summary as string | undefined;
  for (const parameter of operation.parameters ?? []) if (parameter.schema) parameter.schema = openApiSchema(parameter.schema);
  // Every write takes an Idempotency-Key, which may itself be malformed.
  const hasInput = (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined || method === 'post';
  if (hasInput) responses['400'] ??= response('A parameter or the body is invalid: every invalid field is named (errors[].field)');
  if (path.includes('{')) responses['404'] ??= response('No such resource');
  if (method === 'post') {
    operation.parameters = [
      ...(operation.parameters ?? []),
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          '1 to 255 printable ASCII characters: a retried request with the same key and body gets the first answer again (Idempotent-Replayed: true); with another body 422 HTTP.IDEMPOTENCY_KEY_REUSED, while the first is still running 409',
        schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
      },
    ];
    if (operation.requestBody !== undefined) {
      responses['413'] ??= response('The body is larger than 1 MiB');
      responses['415'] ??= response('The body is not application/json');
    }
    responses['409'] ??= response('In conflict with the ledger or operations state (e.g. a source id recorded with another meaning)');
    responses['422'] ??= response('Understood and refused by the ledger or operations: a stable code and the field it concerns');
  }
  responses['503'] ??= response('The ledger or a store is busy or unavailable: retry (retryable: true)');
}
