import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
// class-transformer ships the storage's typings apart from its code.
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: MetadataStorage };
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { DECODE_FAILURE_REASONS } from '../messages/decode-message';
import { LOYALTY_TOPICS, MESSAGE_CATALOG, MESSAGE_TYPES, type MessageType } from '../messages/message-catalog';
import { DATE_PATTERN, UTC_INSTANT } from '../messages/field-formats';

type JsonSchema = Record<string, unknown>;

/** JSON Schemas of the payload classes, generated from their class-validator decorators. */
export function payloadSchemas(): Record<string, JsonSchema> {
  const all = validationMetadatasToSchemas({
    refPointerPrefix: '#/components/schemas/',
    // Nested classes (a purchase's lines) by their @Type, not as "Array".
    classTransformerMetadataStorage: defaultMetadataStorage,
    // The custom validators of field-formats, as JSON Schema says them.
    additionalConverters: {
      isCalendarInstant: {
        type: 'string',
        format: 'date-time',
        pattern: UTC_INSTANT.source,
        description: 'ISO-8601 with Z or an offset, on a day that exists',
      },
      isCalendarDate: { type: 'string', format: 'date', pattern: DATE_PATTERN.source, description: 'YYYY-MM-DD, a day that exists' },
    },
  }) as Record<string, JsonSchema>;
  const wanted = new Set<string>(['PurchaseLineV1']);
  for (const type of MESSAGE_TYPES) for (const cls of Object.values(MESSAGE_CATALOG[type].versions)) wanted.add(cls.name);
  const schemas: Record<string, JsonSchema> = {};
  for (const name of [...wanted].sort()) {
    if (!all[name]) throw new Error(`no schema generated for ${name}`);
    schemas[name] = nullableOptionals({ ...all[name], additionalProperties: false });
  }
  return schemas;
}

/** The one rule for null (field-formats' OptionalField): an optional field may be null, meaning absent. */
function nullableOptionals(schema: JsonSchema): JsonSchema {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, JsonSchema> = {};
  for (const [name, property] of Object.entries(properties)) {
    if (required.has(name)) out[name] = property;
    else if (typeof property.type === 'string') out[name] = { ...property, type: [property.type, 'null'] };
    else out[name] = { anyOf: [property, { type: 'null' }] };
  }
  return { ...schema, properties: out };
}

/** The envelope schema of one message type and version. */
export function envelopeSchema(type: MessageType, version: number): JsonSchema {
  const payloadClass = (MESSAGE_CATALOG[type].versions as Record<number, { name: string }>)[version];
  return {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'schemaVersion', 'messageId', 'occurredAt', 'producer', 'payload'],
    properties: {
      type: { const: type },
      schemaVersion: { const: version },
      messageId: { type: 'string', minLength: 1, maxLength: 128, description: 'Unique per message; a UUID is best' },
      occurredAt: { type: 'string', pattern: UTC_INSTANT.source, description: 'When the fact happened, ISO-8601 with an offset' },
      producer: { type: 'string', minLength: 1, maxLength: 128, description: 'The sending system' },
      payload: { $ref: `#/components/schemas/${payloadClass.name}` },
    },
  };
}

/** A topic the ledger writes for others to read (its payload schema and examples are the writer's to give). */
export interface OutboundChannel {
  topic: string;
  description: string;
  messageName: string;
  summary: string;
  /** JSON Schema of the message value. */
  schema: JsonSchema;
  examples: { name: string; summary: string; payload: unknown; key: string }[];
}

/** The AsyncAPI 2.6 document of the ledger's topics: what producers must send, the dead letters, and what the ledger publishes. */
export function asyncApiDocument(outbound: readonly OutboundChannel[] = []): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  const channels: Record<string, { description: string; subscribe?: unknown; publish?: unknown }> = {};
  for (const type of MESSAGE_TYPES) {
    const entry = MESSAGE_CATALOG[type];
    for (const version of Object.keys(entry.versions).map(Number)) {
      const name = `${type}.v${version}`;
      messages[name] = {
        messageId: name,
        name,
        title: `${type} v${version}`,
        summary: entry.summary,
        contentType: 'application/json',
        bindings: { kafka: { key: { type: 'string', description: 'The customer id (payload.customerId): keeps each customer in order' } } },
        payload: envelopeSchema(type, version),
        examples: [
          {
            name: `${type}-example`,
            summary: `One ${type} message (key: ${entry.example.customerId})`,
            payload: {
              type,
              schemaVersion: version,
              messageId: `msg-${type}-1`,
              occurredAt: businessTimeOf(entry.example),
              producer: 'pos-tokyo',
              payload: entry.example,
            },
          },
        ],
      };
      const channel = (channels[entry.topic] ??= { description: `Consumed by the loyalty ledger (consumer group, at-least-once, deduplicated by source id).` });
      const refs = ((channel.publish as { message?: { oneOf: unknown[] } } | undefined)?.message?.oneOf ?? []) as unknown[];
      channel.publish = {
        operationId: `publish-${entry.topic}`,
        summary: 'Order systems publish here',
        message: { oneOf: [...refs, { $ref: `#/components/messages/${name}` }] },
      };
    }
  }
  channels[LOYALTY_TOPICS.deadLetters] = {
    description: `Messages the ledger could not apply, with their original key and bytes. Headers: dlq-reason (${DECODE_FAILURE_REASONS.join(', ')}, or a LEDGER.* rejection code), dlq-detail, dlq-source-topic, dlq-source-partition, dlq-source-offset, dlq-failed-at, dlq-message-id.`,
    subscribe: {
      operationId: 'dead-letters',
      summary: 'Operators read (and re-drive) dead letters',
      message: {
        messageId: 'dead-letter',
        name: 'dead-letter',
        contentType: 'application/octet-stream',
        payload: { description: 'The original message value, byte for byte' },
      },
    },
  };
  channels[LOYALTY_TOPICS.deadLetterRedrives] = {
    description:
      'Which dead letters were re-driven (published to their source topic again), so that every instance lists them as such. Written by the ledger only.',
    subscribe: {
      operationId: 'dead-letter-redrives',
      summary: 'The ledger marks re-driven dead letters',
      message: {
        messageId: 'dead-letter-redriven',
        name: 'dead-letter-redriven',
        contentType: 'application/json',
        bindings: { kafka: { key: { type: 'string', description: 'The dead letter: <partition>:<offset>' } } },
        payload: {
          type: 'object',
          required: ['at', 'by'],
          properties: { at: { type: 'string', format: 'date-time' }, by: { type: 'string', description: 'Who re-drove it (an API key id)' } },
        },
      },
    },
  };
  for (const out of outbound) {
    channels[out.topic] = {
      description: out.description,
      subscribe: {
        operationId: out.messageName,
        summary: out.summary,
        message: {
          messageId: out.messageName,
          name: out.messageName,
          contentType: 'application/json',
          bindings: { kafka: { key: { type: 'string', description: 'The customer id' } } },
          payload: out.schema,
          examples: out.examples.map(({ name, summary, payload, key }) => ({ name, summary: `${summary} (key: ${key})`, payload })),
        },
      },
    };
  }
  return {
    asyncapi: '2.6.0',
    id: 'urn:loyalty-ledger:kafka',
    tags: [{ name: 'loyalty' }, { name: 'ledger' }],
    servers: { local: { url: '127.0.0.1:9092', protocol: 'kafka', description: 'The local broker of infra/kafka/kafka.sh; set KAFKA_BROKERS for yours' } },
    info: {
      title: 'Loyalty ledger: Kafka topics',
      version: '1.0.0',
      description:
        "JSON envelopes keyed by customer id, partitioned with the Java client's murmur2 partitioner (kcat: -X partitioner=murmur2_random; librdkafka: partitioner=murmur2_random; kafkajs: Partitioners.DefaultPartitioner), so that each customer's messages stay on one partition and in order. Amounts are integers in minor units. A message may be delivered more than once: the ledger applies each source (orderId, refundId, responseId, contactId) once; the same source id with another meaning is dead-lettered (LEDGER.SOURCE_CONFLICT).",
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      contact: { name: 'The loyalty ledger maintainers (see the README)' },
    },
    defaultContentType: 'application/json',
    channels,
    components: { messages, schemas: payloadSchemas() },
  };
}

/** The AsyncAPI document as published (docs/kafka/asyncapi.json). */
export function renderAsyncApi(outbound: readonly OutboundChannel[] = []): string {
  return `${JSON.stringify(asyncApiDocument(outbound), null, 2)}\n`;
}

/** When the fact of a payload happened: its occurredAt, or its opening or enrolment time. */
function businessTimeOf(payload: Record<string, unknown>): unknown {
  return payload.occurredAt ?? payload.openedAt ?? payload.enrolledAt;
}
