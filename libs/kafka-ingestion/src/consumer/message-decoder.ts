import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { decodeMessage, type DecodeResult } from '@loyalty/kafka-contracts';
import { RequestThread } from '@loyalty/thread-support';

/** A message as the decoder needs it: its value and key as they came. */
export interface RawMessage {
  value: Buffer | null;
  key: Buffer | null;
}

/**
 * A chunk's messages packed to cross threads cheaply: every value in one string, cut by
 * `lengths` (-1: no value), and the keys. Thousands of small strings cost several
 * microseconds each to copy; one string is one copy.
 */
export interface PackedChunk {
  topic: string;
  values: string;
  lengths: number[];
  keys: (string | null)[];
}

export function packChunk(topic: string, messages: readonly RawMessage[]): PackedChunk {
  const lengths: number[] = [];
  const keys: (string | null)[] = [];
  let values = '';
  for (const m of messages) {
    const value = m.value === null ? null : m.value.toString('utf8');
    lengths.push(value === null ? -1 : value.length);
    if (value !== null) values += value;
    keys.push(m.key === null ? null : m.key.toString('utf8'));
  }
  return { topic, values, lengths, keys };
}

export function decodeChunk(chunk: PackedChunk): DecodeResult[] {
  const results: DecodeResult[] = [];
  let at = 0;
  chunk.lengths.forEach((length, i) => {
    const value = length < 0 ? null : chunk.values.slice(at, (at += length));
    results.push(decodeMessage(value, { topic: chunk.topic, key: chunk.keys[i] }));
  });
  return results;
}

/**
 * Decodes and validates chunks of messages, in a thread of its own when it can: the consumer
 * has the next chunk decoded while the ledger takes this one. The thread runs the compiled
 * worker script and answers with JSON text (one string back as well); where there is no
 * script (the TypeScript sources under the test runner) or with `inThread: false`, it decodes
 * in the calling thread. Both give the same results.
 */
export interface MessageDecoderOptions {
  /** False: decode in the calling thread. */
  inThread?: boolean;
  /** The worker script (default: the compiled one beside this module). */
  script?: string;
  /** Called once if the thread fails: decoding goes on in the calling thread, nothing is lost. */
  onThreadFailure?: (error: Error) => void;
}

export class MessageDecoder {
  private closed = false;

  private constructor(
    private thread: RequestThread<PackedChunk, string> | null,
    private readonly onThreadFailure?: (error: Error) => void,
  ) {}

  static start(options: MessageDecoderOptions = {}): MessageDecoder {
    const script = options.script ?? join(__dirname, 'decode-message.worker.js');
    if (options.inThread === false || !existsSync(script)) return new MessageDecoder(null);
    const failurePrefix = 'decoding messages failed in the decoder thread';
    const errorOf = (plain: unknown) => new Error(`${failurePrefix}: ${(plain as { message?: string }).message ?? String(plain)}`);
    return new MessageDecoder(new RequestThread(new Worker(script), { failurePrefix, errorOf }), options.onThreadFailure);
  }

  get threaded(): boolean {
    return this.thread !== null;
  }

  async decode(topic: string, messages: readonly RawMessage[]): Promise<DecodeResult[]> {
    if (this.thread) {
      try {
        return JSON.parse(await this.thread.request(packChunk(topic, messages))) as DecodeResult[];
      } catch (error) {
        if (this.closed) throw error;
        // A failed thread must not stall ingestion: decode here from now on.
        const failed = this.thread;
        this.thread = null;
        if (failed) {
          this.onThreadFailure?.(error as Error);
          void failed.close().catch(() => undefined);
        }
      }
    }
    // Here, each message as it is: packing only pays for crossing threads.
    return messages.map((m) => decodeMessage(m.value, { topic, key: m.key === null ? null : m.key.toString('utf8') }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.thread?.close('the consumer stopped');
  }
}
