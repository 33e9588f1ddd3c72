import type { LedgerCommand, PurchaseLine, SupportChannel } from '@loyalty/ledger-domain';
import { SeededRandom } from './seeded-random';

export interface WorkloadOptions {
  seed: number;
  customers: number;
  /** Purchases to generate; the other kinds are proportional to them. */
  purchases: number;
  /** First purchase time (ISO-8601 UTC) and the span the purchases cover. */
  start?: string;
  days?: number;
  /** Share of purchases later refunded (about half of them partially). */
  refundRate?: number;
  /** Share of purchases followed by an NPS survey answer. */
  surveyRate?: number;
  /** Share of purchases followed by a support contact. */
  supportRate?: number;
  /** Share of commands delivered a second time, as an at-least-once transport would. */
  duplicateRate?: number;
  /** Enrol each customer (with a birth date) before their first purchase. */
  enrolCustomers?: boolean;
  /** Attach line items (sku, category) to purchases. */
  withLines?: boolean;
  /** Customer ids are `${customerPrefix}${n}`. */
  customerPrefix?: string;
}

export interface WorkloadItem {
  command: LedgerCommand;
  /** True for a repeated delivery of an earlier command. */
  duplicate: boolean;
}

const CATEGORIES = ['grocery', 'apparel', 'electronics', 'beauty', 'home', 'books'];
const CHANNELS = ['store', 'web', 'app'];
const SUPPORT_CHANNELS: SupportChannel[] = ['phone', 'email', 'chat', 'chatbot', 'faq', 'sms', 'ivr'];
const DAY = 86_400_000;

/**
 * A realistic, deterministic stream of commands in time order: skewed purchase frequency
 * (a few customers buy very often, most rarely), seasonal JPY amounts (December and summer
 * peaks), refunds, NPS answers, support contacts and duplicate deliveries. The same options
 * give the same stream, byte for byte.
 */
export function* generateWorkload(options: WorkloadOptions): Generator<WorkloadItem> {
  const random = new SeededRandom(options.seed);
  const start = Date.parse(options.start ?? '2025-01-01T00:00:00Z');
  const span = (options.days ?? 365) * DAY;
  const refundRate = options.refundRate ?? 0.03;
  const surveyRate = options.surveyRate ?? 0.1;
  const supportRate = options.supportRate ?? 0.05;
  const duplicateRate = options.duplicateRate ?? 0.01;
  const prefix = options.customerPrefix ?? 'CUST-';
  const pickCustomer = zipfSampler(options.customers, 0.9, random);
  const enrolled = new Set<number>();
  const followUps = new FollowUpQueue();
  const recent: LedgerCommand[] = [];
  const step = span / Math.max(options.purchases, 1);

  function* emit(command: LedgerCommand): Generator<WorkloadItem> {
    yield { command, duplicate: false };
    recent.push(command);
    if (recent.length > 64) recent.shift();
    if (duplicateRate > 0 && random.chance(duplicateRate)) yield { command: random.pick(recent), duplicate: true };
  }

  for (let n = 0; n < options.purchases; n++) {
    const at = Math.floor(start + n * step + random.next() * step * 0.5);
    for (const due of followUps.takeDue(at)) yield* emit(due);

    const c = pickCustomer();
    const customerId = `${prefix}${c}`;
    if (options.enrolCustomers && !enrolled.has(c)) {
      enrolled.add(c);
      const birth = `${random.int(1950, 2005)}-${pad(random.int(1, 12))}-${pad(random.int(1, 28))}`;
      yield* emit({ type: 'EnrolCustomer', customerId, enrolledAt: new Date(at - 1).toISOString(), birthDate: birth });
    }
    const amount = seasonalAmount(at, random);
    const orderId = `ORD-${options.seed}-${n}`;
    const occurredAt = new Date(at).toISOString();
    const lines = options.withLines ? linesFor(amount, random) : undefined;
    yield* emit({
      type: 'RecordPurchase',
      customerId,
      orderId,
      occurredAt,
      currency: 'JPY',
      amount,
      channel: random.pick(CHANNELS),
      ...(lines ? { lines } : {}),
    });

    if (random.chance(refundRate)) {
      const partial = random.chance(0.5);
      const refundAmount = partial ? Math.max(1, Math.floor((amount * random.int(10, 90)) / 100)) : amount;
      followUps.add(at + random.int(1, 20) * DAY, {
        type: 'RecordRefund',
        customerId,
        refundId: `REF-${orderId}`,
        orderId,
        amount: refundAmount,
        occurredAt: '',
      });
    }
    if (random.chance(surveyRate)) {
      followUps.add(at + random.int(1, 7) * DAY, {
        type: 'RecordSurveyAnswer',
        customerId,
        responseId: `NPS-${orderId}`,
        surveyId: `nps-${new Date(at).getUTCFullYear()}-q${Math.floor(new Date(at).getUTCMonth() / 3) + 1}`,
        occurredAt: '',
        score: npsScore(random),
        touchpoint: 'post-purchase',
      });
    }
    if (random.chance(supportRate)) {
      const opened = at + random.int(1, 10) * DAY;
      const resolved = random.chance(0.85);
      const hours = Math.max(1, Math.round(Math.exp(1.5 + random.normal())));
      followUps.add(opened, {
        type: 'RecordSupportContact',
        customerId,
        contactId: `SUP-${orderId}`,
        channel: random.pick(SUPPORT_CHANNELS),
        openedAt: new Date(opened).toISOString(),
        resolved,
        ...(resolved ? { resolvedAt: new Date(opened + hours * 3_600_000).toISOString(), satisfaction: random.int(1, 5) } : {}),
      });
    }
  }
  for (const due of followUps.takeDue(Infinity)) yield* emit(due);
}

/** Follow-ups (refunds, answers, contacts) released in time order between purchases. */
class FollowUpQueue {
  private items: { at: number; command: LedgerCommand }[] = [];

  add(at: number, command: LedgerCommand): void {
    const stamped = withTime(command, at);
    let i = this.items.length;
    while (i > 0 && this.items[i - 1].at > at) i--;
    this.items.splice(i, 0, { at, command: stamped });
  }

  takeDue(until: number): LedgerCommand[] {
    let n = 0;
    while (n < this.items.length && this.items[n].at <= until) n++;
    return this.items.splice(0, n).map((i) => i.command);
  }
}

function withTime(command: LedgerCommand, at: number): LedgerCommand {
  const iso = new Date(at).toISOString();
  if (command.type === 'RecordRefund' || command.type === 'RecordSurveyAnswer') return { ...command, occurredAt: iso };
  return command;
}

/** Customer n is chosen with weight 1/(n+1)^s: a long tail of occasional buyers. */
function zipfSampler(customers: number, s: number, random: SeededRandom): () => number {
  const cumulative = new Float64Array(customers);
  let total = 0;
  for (let i = 0; i < customers; i++) {
    total += 1 / Math.pow(i + 1, s);
    cumulative[i] = total;
  }
  return () => {
    const target = random.next() * total;
    let lo = 0;
    let hi = customers - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Log-normal around JPY 4,000, higher in December and in summer, in whole tens of yen. */
function seasonalAmount(at: number, random: SeededRandom): number {
  const month = new Date(at).getUTCMonth();
  const season = month === 11 ? 1.6 : month === 6 || month === 7 ? 1.25 : 1;
  const yen = Math.exp(Math.log(4000) + 0.9 * random.normal()) * season;
  return Math.max(100, Math.min(2_000_000, Math.round(yen / 10) * 10));
}

function linesFor(amount: number, random: SeededRandom): PurchaseLine[] {
  const count = random.int(1, 3);
  const lines: PurchaseLine[] = [];
  let left = amount;
  for (let i = 0; i < count; i++) {
    const price = i === count - 1 ? left : Math.max(10, Math.floor(left / (count - i) / 10) * 10);
    if (price <= 0) break;
    const category = random.pick(CATEGORIES);
    lines.push({ sku: `${category.slice(0, 3).toUpperCase()}-${random.int(1, 500)}`, category, quantity: 1, unitPrice: price });
    left -= price;
  }
  return lines;
}

/** Scores skewed the way NPS answers usually are: many 7-10s, a tail of detractors. */
function npsScore(random: SeededRandom): number {
  const r = random.next();
  if (r < 0.3) return random.int(9, 10);
  if (r < 0.7) return random.int(7, 8);
  return random.int(0, 6);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
