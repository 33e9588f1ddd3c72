// `npm run demo`: loads a small generated data set, relative to today, into a running API over HTTP.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDemoData } from '@loyalty/demo-data';

const baseUrl = process.env.DEMO_API_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
const keyFile = join(resolve(process.env.LOYALTY_DATA_DIR ?? './data'), 'dev-admin-key');
const apiKey = process.env.DEMO_API_KEY ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);

async function main(): Promise<void> {
  if (!apiKey) throw new Error(`no API key: set DEMO_API_KEY, or start the API in development mode so that ${keyFile} exists`);
  const health = await fetch(`${baseUrl}/health`).catch(() => null);
  if (!health?.ok) throw new Error(`the API is not answering at ${baseUrl}/health: start it with \`npm start\` first`);
  const load = await loadDemoData({
    baseUrl,
    apiKey,
    purchases: Number(process.env.DEMO_PURCHASES ?? 2_000),
    onProgress: (done, total) => done % 500 === 0 && process.stdout.write(`  ${done} / ${total}\n`),
  });
  console.log(`loaded ${load.requests} requests in ${load.seconds.toFixed(1)} s into ${baseUrl}`);
  for (const [k, v] of [...load.outcomes].sort()) console.log(`  ${k.padEnd(40)} ${v}`);
  if (load.candidateVersion !== null) console.log(`proposed rules version ${load.candidateVersion}: replay it from the console's Rules and replays page`);
  console.log(`open ${baseUrl}/console and sign in with the key in ${keyFile}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
