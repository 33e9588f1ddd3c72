/** Where a command came from: recorded on every entry it produces, for the auditor. */
export type Provenance =
  | { channel: 'http'; requestId: string; apiKeyId?: string; idempotencyKey?: string }
  | { channel: 'kafka'; topic: string; partition: number; offset: string; messageId: string }
  | { channel: 'batch'; batchId: string; index: number }
  /** A row of a file loaded by `loyalty import` (its base name, and its line: 1 is the first line of the file). */
  | { channel: 'import'; file: string; line: number }
  | { channel: 'system'; job: string };
