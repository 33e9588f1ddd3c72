import type { IHeaders, KafkaMessage } from 'kafkajs';

/** Headers a dead letter carries beside the original key, value and headers. */
export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  detail: 'dlq-detail',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  failedAt: 'dlq-failed-at',
  messageId: 'dlq-message-id',
  /** The field to blame, when one is (payload.amount, occurredAt, key, ...). */
  field: 'dlq-field',
} as const;

/** A message the ledger could not apply, and why. */
export interface DeadLetter {
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders | undefined;
  /** A decode reason (INVALID_JSON, SCHEMA_VIOLATION, ...) or a ledger rejection code. */
  reason: string;
  detail: string;
  messageId?: string;
  field?: string;
}

export function deadLetterOf(
  topic: string,
  partition: number,
  message: KafkaMessage,
  reason: string,
  detail: string,
  messageId?: string,
  field?: string,
): DeadLetter {
  return {
    sourceTopic: topic,
    sourcePartition: partition,
    sourceOffset: message.offset,
    key: message.key,
    value: message.value,
    headers: message.headers,
    reason,
    detail,
    ...(messageId ? { messageId } : {}),
    ...(field ? { field } : {}),
  };
}

/** The Kafka record of a dead letter: original bytes, original headers, and the why. */
export function deadLetterRecord(letter: DeadLetter, failedAt: string): { key: Buffer | null; value: Buffer | null; headers: IHeaders } {
  return {
    key: letter.key,
    value: letter.value,
    headers: {
      ...(letter.headers ?? {}),
      [DLQ_HEADERS.reason]: letter.reason,
      [DLQ_HEADERS.detail]: letter.detail.slice(0, 2000),
      [DLQ_HEADERS.sourceTopic]: letter.sourceTopic,
      [DLQ_HEADERS.sourcePartition]: String(letter.sourcePartition),
      [DLQ_HEADERS.sourceOffset]: letter.sourceOffset,
      [DLQ_HEADERS.failedAt]: failedAt,
      ...(letter.messageId ? { [DLQ_HEADERS.messageId]: letter.messageId } : {}),
      ...(letter.field ? { [DLQ_HEADERS.field]: letter.field } : {}),
    },
  };
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return headerText({ [name]: value[value.length - 1] }, name);
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}
