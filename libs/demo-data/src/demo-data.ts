import { generateWorkload } from '@loyalty/workload-generator';
import type { LedgerCommand } from '@loyalty/ledger-domain';
import { defaultProgramRules } from '@loyalty/program-rules';
import { commandToHttp } from './command-to-http';

export interface DemoOptions {
  baseUrl: string;
  /** Sends the commands: needs the ingest and redeem roles (or admin). */
  apiKey: string;
  /** Proposes the candidate rules version: needs the ops role (default: apiKey). */
  opsKey?: string;
  customers?: number;
  purchases?: number;
  /** What "now" is: the history ends about a month before it (default: the clock). */
  nowMs?: number;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface DemoLoad {
  requests: number;
  outcomes: Map<string, number>;
  /** The ledger position of the latest write (for waitForPosition). */
  lastPosition: string | null;
  /** The proposed rules version, ready to replay. */
  candidateVersion: number | null;
  seconds: number;
}

/**
 * A living program relative to today: a year of purchases (with refunds, NPS answers, support
 * contacts) ending about a month ago, so that points are about to expire; recent purchases and
 * answers of the most active customers, so that some are loyal; redemptions today; and a
 * proposed rules version (lower tier thresholds) to replay.
 */
export async function loadDemoData(options: DemoOptions): Promise<DemoLoad> {
  const nowMs = options.nowMs ?? Date.now();
  const customers = options.customers ?? 200;
  const commands: LedgerCommand[] = [
    ...generateWorkload({
      seed: 1,
      customers,
      purchases: options.purchases ?? 2_000,
      start: new Date(nowMs - 400 * 86_400_000).toISOString(),
      days: 365,
      enrolCustomers: true,
      withLines: true,
    }),
  ].map((i) => i.command);
  commands.push(...recentActivity(commands, nowMs));
  for (let c = 0; c < Math.min(10, customers); c++)
    commands.push({
      type: 'RedeemPoints',
      customerId: `CUST-${c}`,
      redemptionId: `DEMO-RDM-${c}`,
      points: 100,
      reward: 'coupon-100',
      occurredAt: new Date(nowMs).toISOString(),
    });

  const outcomes = new Map<string, number>();
  let done = 0;
  let lastPosition: bigint | null = null;
  const started = Date.now();
  const send = async (command: LedgerCommand) => {
    const call = commandToHttp(command);
    const response = await fetch(`${options.baseUrl}${call.path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${options.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(call.body),
    });
    const body = (await response.json()) as { status?: string; code?: string };
    const key = response.ok ? `${response.status} ${body.status}` : `${response.status} ${body.code}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const position = response.headers.get('x-ledger-position');
    if (position !== null && (lastPosition === null || BigInt(position) > lastPosition)) lastPosition = BigInt(position);
    done++;
    options.onProgress?.(done, commands.length);
  };
  // A customer's commands stay in order (a refund after its purchase): one sequential sender per shard of customers.
  const concurrency = options.concurrency ?? 8;
  const shards = Array.from({ length: concurrency }, () => [] as LedgerCommand[]);
  for (const c of commands) shards[hash(c.customerId) % concurrency].push(c);
  await Promise.all(
    shards.map(async (shard) => {
      for (const c of shard) await send(c);
    }),
  );
  const candidateVersion = await proposeCandidate(options.baseUrl, options.opsKey ?? options.apiKey);
  return {
    requests: done,
    outcomes,
    lastPosition: lastPosition === null ? null : String(lastPosition),
    candidateVersion,
    seconds: (Date.now() - started) / 1000,
  };
}

/**
 * The last weeks: the most active customers buy again (2 to 20 days ago) and answer the NPS
 * survey yesterday, two of three as promoters: loyal customers (top segment and promoters), good
 * customers (top segment, not promoters) and customers one step from loyal, as of today.
 */
function recentActivity(history: readonly LedgerCommand[], nowMs: number): LedgerCommand[] {
  const purchases = new Map<string, number>();
  for (const c of history) if (c.type === 'RecordPurchase') purchases.set(c.customerId, (purchases.get(c.customerId) ?? 0) + 1);
  const active = [...purchases.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, Math.max(1, Math.floor(purchases.size / 6)))
    .map(([customerId]) => customerId);
  const day = 86_400_000;
  return active.flatMap((customerId, i): LedgerCommand[] => [
    ...[0, 1, 2].map((k): LedgerCommand => ({
      type: 'RecordPurchase',
      customerId,
      orderId: `DEMO-RECENT-${i}-${k}`,
      occurredAt: new Date(nowMs - (2 + ((i + 6 * k) % 19)) * day).toISOString(),
      currency: 'JPY',
      amount: 20_000 + ((i * 7_919 + k * 3_571) % 40_000),
    })),
    {
      type: 'RecordSurveyAnswer',
      customerId,
      responseId: `DEMO-NPS-${i}`,
      surveyId: 'demo-nps-recent',
      occurredAt: new Date(nowMs - day).toISOString(),
      score: i % 3 === 2 ? 7 : 9 + (i % 2),
    },
  ]);
}

/** A rules version that lowers the tier thresholds by a fifth, proposed (not scheduled): operations replay it to see who would move up. */
async function proposeCandidate(baseUrl: string, key: string): Promise<number | null> {
  const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
  const versions = (await (await fetch(`${baseUrl}/v1/rules`, { headers })).json()) as { version: number }[];
  if (!Array.isArray(versions)) return null;
  const base = defaultProgramRules();
  const version = Math.max(...versions.map((v) => v.version)) + 1;
  const candidate = {
    ...base,
    version,
    description: 'demo candidate: tier thresholds lowered by a fifth',
    tiers: { ...base.tiers, levels: base.tiers.levels.map((l) => ({ ...l, threshold: Math.round((l.threshold * 4) / 5) })) },
  };
  const response = await fetch(`${baseUrl}/v1/rules`, { method: 'POST', headers, body: JSON.stringify(candidate) });
  return response.ok ? version : null;
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}
