/** Where a command came from: recorded on every entry it produces, for the auditor. */
export type Provenance =
  | { channel: 'http'; requestId: string; apiKeyId?: string; idempotencyKey?: string }
  | { channel: 'kafka'; topic: string; partition: number; offset: string; messageId: string }
  | { channel: 'batch'; batchId: string; index: number }
  | { channel: 'system'; job: string };
