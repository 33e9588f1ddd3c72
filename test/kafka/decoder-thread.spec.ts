// @needs build (left out of npm run test:unit)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage } from '@loyalty/kafka-contracts';
import { decodeChunk, MessageDecoder, packChunk } from '@loyalty/kafka-ingestion';
import { spawnCompiled } from '../support/child-process';
import { decoderTestMessages } from '../support/decoder-test-messages';

describe("the Kafka consumer's message decoder", () => {
  const { topic, messages } = decoderTestMessages();
  const oneByOne = () => messages.map((m) => decodeMessage(m.value, { topic, key: m.key === null ? null : m.key.toString('utf8') }));

  it('decodes a packed chunk exactly as each message on its own (multi-byte text, no value, no key)', () => {
    expect(oneByOne().map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'ok',
      'INVALID_JSON',
      'INVALID_JSON',
      'SCHEMA_VIOLATION',
      'KEY_MISMATCH',
      'KEY_MISMATCH',
      'ok',
    ]);
    expect(decodeChunk(packChunk(topic, messages))).toEqual(oneByOne());
  });

  it('decodes in its own thread from the TypeScript sources too, and in the calling thread when told, to the same results', async () => {
    const threaded = MessageDecoder.start();
    const here = MessageDecoder.start({ inThread: false });
    expect([threaded.threaded, here.threaded]).toEqual([true, false]);
    const expected = JSON.parse(JSON.stringify(oneByOne())) as unknown;
    expect(await threaded.decode(topic, messages)).toEqual(expected);
    expect(await here.decode(topic, messages)).toEqual(oneByOne());
    await Promise.all([threaded.close(), here.close()]);
    await expect(threaded.decode(topic, messages)).rejects.toThrow('decoding messages failed in the decoder thread: the consumer stopped');
  });

  it('decodes in its own thread in the compiled build, to the same results, and refuses work once closed', async () => {
    const child = spawnCompiled('test/kafka/decoder-thread-child.js', []);
    const line = await child.waitForLine(/^\{/, 30_000);
    expect((await child.exited).code).toBe(0);
    const printed = JSON.parse(line) as { threaded: boolean; fromThread: unknown; inline: unknown; afterClose: string };
    expect(printed.threaded).toBe(true);
    // Through JSON here as there: what crossed the thread is plain data either way.
    const expected = JSON.parse(JSON.stringify(oneByOne())) as unknown;
    expect(printed.inline).toEqual(expected);
    expect(printed.fromThread).toEqual(expected);
    expect(printed.afterClose).toBe('decoding messages failed in the decoder thread: the consumer stopped');
  });

  it('decodes on in the calling thread, losing nothing, when its thread fails (and says so once)', async () => {
    const dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'decoder-'));
    const script = join(dir, 'broken-decoder.js');
    writeFileSync(script, "throw new Error('the decoder could not load');\n");
    const failures: string[] = [];
    const decoder = MessageDecoder.start({ workerModule: join(dir, 'broken-decoder'), onThreadFailure: (error) => failures.push(error.message) });
    expect(decoder.threaded).toBe(true);
    expect(await decoder.decode(topic, messages)).toEqual(oneByOne());
    expect(decoder.threaded).toBe(false);
    expect(await decoder.decode(topic, messages)).toEqual(oneByOne());
    expect(failures).toEqual(['decoding messages failed in the decoder thread: the decoder could not load']);
    await decoder.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
