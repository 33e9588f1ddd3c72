// `npm run demo`: loads a small generated data set into a running API over HTTP.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateWorkload } from '@loyalty/workload-generator';
import type { LedgerCommand } from '@loyalty/ledger-domain';
import { commandToHttp } from './command-to-http';

const baseUrl = process.env.DEMO_API_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
const keyFile = join(resolve(process.env.LOYALTY_DATA_DIR ?? './data'), 'dev-admin-key');
const apiKey = process.env.DEMO_API_KEY ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
const purchases = Number(process.env.DEMO_PURCHASES ?? 2_000);
const concurrency = 8;

async function main(): Promise<void> {
  if (!apiKey) throw new Error(`no API key: set DEMO_API_KEY, or start the API in development mode so that ${keyFile} exists`);
  const health = await fetch(`${baseUrl}/health`).catch(() => null);
  if (!health?.ok) throw new Error(`the API is not answering at ${baseUrl}/health: start it with \`npm start\` first`);

  const commands: LedgerCommand[] = [
    ...generateWorkload({ seed: 1, customers: 200, purchases, start: demoStart(), days: 365, enrolCustomers: true, withLines: true }),
  ].map((i) => i.command);
  // A few redemptions by the most active customers, now.
  for (let c = 0; c < 10; c++)
    commands.push({
      type: 'RedeemPoints',
      customerId: `CUST-${c}`,
      redemptionId: `DEMO-RDM-${c}`,
      points: 100,
      reward: 'coupon-100',
      occurredAt: new Date().toISOString(),
    });

  const outcomes = new Map<string, number>();
  let done = 0;
  const started = Date.now();
  async function send(command: LedgerCommand): Promise<void> {
    const call = commandToHttp(command);
    const response = await fetch(`${baseUrl}${call.path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(call.body),
    });
    const body = (await response.json()) as { status?: string; code?: string };
    const key = response.ok ? `${response.status} ${body.status}` : `${response.status} ${body.code}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    if (++done % 500 === 0) process.stdout.write(`  ${done} / ${commands.length}\n`);
  }
  // A customer's commands must stay in order (a refund after its purchase): one sequential
  // sender per customer shard, the shards in parallel.
  const shards = Array.from({ length: concurrency }, () => [] as LedgerCommand[]);
  for (const c of commands) shards[hash(c.customerId) % concurrency].push(c);
  await Promise.all(
    shards.map(async (shard) => {
      for (const c of shard) await send(c);
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(`loaded ${done} requests in ${seconds.toFixed(1)} s into ${baseUrl}`);
  for (const [k, v] of [...outcomes].sort()) console.log(`  ${k.padEnd(40)} ${v}`);
  console.log(`try: curl -s ${baseUrl}/v1/accounts/CUST-0 -H "Authorization: Bearer <key>"`);
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

/** A year of history ending about a month ago (refunds and surveys follow purchases by up to 20 days), so that every date is in the past. */
function demoStart(): string {
  return new Date(Date.now() - 400 * 86_400_000).toISOString();
}
