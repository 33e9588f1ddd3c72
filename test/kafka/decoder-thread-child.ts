// Runs compiled: decodes the decoder's test messages in the decoder thread and in this thread,
// and prints both (the thread's worker script exists only in the compiled build).
import { decodeChunk, MessageDecoder, packChunk } from '@loyalty/kafka-ingestion';
import { decoderTestMessages } from '../support/decoder-test-messages';

async function main(): Promise<void> {
  const decoder = MessageDecoder.start();
  const { topic, messages } = decoderTestMessages();
  const threaded = await decoder.decode(topic, messages);
  await decoder.close();
  let afterClose = 'accepted';
  await decoder.decode(topic, messages).catch((error: Error) => (afterClose = error.message));
  console.log(JSON.stringify({ threaded: decoder.threaded, fromThread: threaded, inline: decodeChunk(packChunk(topic, messages)), afterClose }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
