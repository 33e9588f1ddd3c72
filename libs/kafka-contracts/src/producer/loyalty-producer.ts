import { randomUUID } from 'node:crypto';
import type { Message, Producer, RecordMetadata } from 'kafkajs';
import { decodeMessage } from '../messages/decode-message';
import { MESSAGE_CATALOG, type MessageEnvelope, type MessageType, type PayloadOf } from '../messages/message-catalog';

export interface PublishOptions {
  messageId?: string;
  occurredAt?: string;
}

export interface LoyaltyProducerOptions {
  /** Prefixed to every topic, as the ledger's KAFKA_TOPIC_PREFIX (shared clusters, staging). */
  topicPrefix?: string;
}

export class InvalidLoyaltyMessageError extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'InvalidLoyaltyMessageError';
  }
}

/**
 * A typed helper for order systems: builds the envelope, validates it as the ledger will (the
 * same decoder the consumer runs, so it refuses what the consumer refuses), keys it by customer
 * and sends it to the type's topic. Give it an idempotent kafkajs producer created with
 * `createPartitioner: Partitioners.DefaultPartitioner` (Java-compatible murmur2: a customer's
 * messages stay on one partition whoever produces them).
 */
export class LoyaltyProducer {
  constructor(
    private readonly producer: Producer,
    private readonly producerName: string,
    private readonly options: LoyaltyProducerOptions = {},
  ) {}

  /** The message (topic, key, value, headers) without sending it; the topic as the catalog names it (no prefix). */
  static buildMessage<T extends MessageType>(
    type: T,
    payload: PayloadOf[T],
    producerName: string,
    options: PublishOptions = {},
  ): { topic: string; message: Message } {
    const envelope: MessageEnvelope<T> = {
      type,
      schemaVersion: 1,
      messageId: options.messageId ?? randomUUID(),
      occurredAt: options.occurredAt ?? new Date().toISOString(),
      producer: producerName,
      payload,
    };
    const value = JSON.stringify(envelope);
    const key = (payload as { customerId: string }).customerId;
    const topic = MESSAGE_CATALOG[type].topic;
    const check = decodeMessage(value, { topic, key });
    if (!check.ok) throw new InvalidLoyaltyMessageError(check.reason, check.detail);
    return { topic, message: { key, value, headers: { 'content-type': 'application/json', 'message-type': type, 'schema-version': '1' } } };
  }

  async publish<T extends MessageType>(type: T, payload: PayloadOf[T], options: PublishOptions = {}): Promise<RecordMetadata[]> {
    const { topic, message } = LoyaltyProducer.buildMessage(type, payload, this.producerName, options);
    return this.producer.send({ topic: `${this.options.topicPrefix ?? ''}${topic}`, acks: -1, messages: [message] });
  }
}
