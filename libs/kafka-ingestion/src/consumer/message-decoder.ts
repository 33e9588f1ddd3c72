import { join } from 'node:path';
import { decodeMessage, type DecodeResult } from '@loyalty/kafka-contracts';
import { ThreadOrHere } from '@loyalty/thread-support';

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
 * Decodes and validates chunks of messages, in a thread of its own (decode-message.worker): the
 * consumer has the next chunk decoded while the ledger takes this one. The thread answers with
 * JSON text (one string crosses back). With `inThread: false`, or once the thread has failed,
 * it decodes in the calling thread, to the same results.
 */
export interface MessageDecoderOptions {
  /** False: decode in the calling thread. */
  inThread?: boolean;
  /** The worker module, without extension (default: decode-message.worker beside this module). */
  workerModule?: string;
  /** Called once if the thread fails: decoding goes on in the calling thread, nothing is lost. */
  onThreadFailure?: (error: Error) => void;
}

export class MessageDecoder {
  private constructor(private readonly chunks: ThreadOrHere<PackedChunk, string | DecodeResult[]>) {}

  static start(options: MessageDecoderOptions = {}): MessageDecoder {
    return new MessageDecoder(
      new ThreadOrHere<PackedChunk, string | DecodeResult[]>({
        worker: options.inThread === false ? null : { module: options.workerModule ?? join(__dirname, 'decode-message.worker') },
        here: decodeChunk,
        // Decoding has no effects: what a failing thread had is decoded here.
        redoHereOnThreadFailure: true,
        onThreadFailure: options.onThreadFailure,
        failurePrefix: 'decoding messages failed in the decoder thread',
      }),
    );
  }

  get threaded(): boolean {
    return this.chunks.threaded;
  }

  async decode(topic: string, messages: readonly RawMessage[]): Promise<DecodeResult[]> {
    const decoded = await this.chunks.request(packChunk(topic, messages));
    return typeof decoded === 'string' ? (JSON.parse(decoded) as DecodeResult[]) : decoded;
  }

  async close(): Promise<void> {
    await this.chunks.close('the consumer stopped');
  }
}
