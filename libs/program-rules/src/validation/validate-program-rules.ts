import type { ProgramRules } from '../program-rules.types';
import { isCalendarDate } from '../time/utc-calendar';

/** One problem in a rules document, naming the bad field by its path. */
export interface RuleValidationError {
  path: string;
  message: string;
}

export type RulesValidationResult = { ok: true; rules: ProgramRules } | { ok: false; errors: RuleValidationError[] };

type Obj = Record<string, unknown>;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Collects every error in one pass, so an operator fixes a file once, not field by field. */
class Checker {
  readonly errors: RuleValidationError[] = [];

  fail(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  object(value: unknown, path: string): Obj | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, 'must be an object');
      return undefined;
    }
    return value as Obj;
  }

  array(value: unknown, path: string): unknown[] | undefined {
    if (!Array.isArray(value)) {
      this.fail(path, 'must be an array');
      return undefined;
    }
    return value;
  }

  string(obj: Obj, key: string, path: string, pattern?: RegExp, patternText?: string): void {
    const value = obj[key];
    if (typeof value !== 'string' || value.length === 0) this.fail(join(path, key), 'must be a non-empty string');
    else if (pattern && !pattern.test(value)) this.fail(join(path, key), `must be ${patternText}`);
  }

  integer(obj: Obj, key: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
    const value = obj[key];
    if (typeof value !== 'number' || !Number.isInteger(value)) this.fail(join(path, key), 'must be an integer');
    else if (value < min || value > max) this.fail(join(path, key), `must be between ${min} and ${max}`);
  }

  nullableInteger(obj: Obj, key: string, path: string, min: number): void {
    if (obj[key] === null) return;
    this.integer(obj, key, path, min);
  }

  boolean(obj: Obj, key: string, path: string): void {
    if (typeof obj[key] !== 'boolean') this.fail(join(path, key), 'must be true or false');
  }

  oneOf(obj: Obj, key: string, path: string, allowed: readonly string[]): boolean {
    if (!allowed.includes(obj[key] as string)) {
      this.fail(join(path, key), `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
      return false;
    }
    return true;
  }

  noUnknownKeys(obj: Obj, path: string, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.fail(join(path, key), 'is not a known field');
    }
  }
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

const MULTIPLIER_MIN = 0;
const MULTIPLIER_MAX = 10_000;

/**
 * Validates a rules document (parsed JSON). Returns every error with the path of its field,
 * e.g. `earning.amountBands[1].multiplierPercent: must be an integer`.
 */
export function validateProgramRules(input: unknown): RulesValidationResult {
  const c = new Checker();
  const root = c.object(input, '(root)');
  if (!root) return { ok: false, errors: c.errors };

  c.noUnknownKeys(root, '', [
    '$schema',
    'id',
    'version',
    'effectiveFrom',
    'currency',
    'pointValue',
    'earning',
    'pending',
    'expiry',
    'refunds',
    'tiers',
    'rfm',
    'nps',
    'loyalty',
    'limits',
    'description',
  ]);
  c.string(root, 'id', '', /^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes');
  c.integer(root, 'version', '', 1);
  c.string(root, 'effectiveFrom', '', ISO_UTC, 'an ISO-8601 UTC instant such as 2026-01-01T00:00:00Z');
  if (typeof root.effectiveFrom === 'string' && ISO_UTC.test(root.effectiveFrom) && !isCalendarDate(root.effectiveFrom.slice(0, 10))) {
    c.fail('effectiveFrom', 'is not a day that exists');
  }
  c.string(root, 'currency', '', /^[A-Z]{3}$/, 'an ISO-4217 code such as JPY');

  const pointValue = c.object(root.pointValue, 'pointValue');
  if (pointValue) {
    c.noUnknownKeys(pointValue, 'pointValue', ['minorUnitsPerPoint']);
    c.integer(pointValue, 'minorUnitsPerPoint', 'pointValue', 1);
  }

  checkEarning(c, root.earning);

  const pending = c.object(root.pending, 'pending');
  if (pending) {
    c.noUnknownKeys(pending, 'pending', ['days']);
    c.integer(pending, 'days', 'pending', 0, 3650);
  }

  const expiry = c.object(root.expiry, 'expiry');
  if (expiry && c.oneOf(expiry, 'kind', 'expiry', ['rolling-months', 'end-of-month', 'end-of-year'])) {
    if (expiry.kind === 'end-of-year') {
      c.noUnknownKeys(expiry, 'expiry', ['kind', 'years']);
      c.integer(expiry, 'years', 'expiry', 0, 100);
    } else {
      c.noUnknownKeys(expiry, 'expiry', ['kind', 'months']);
      c.integer(expiry, 'months', 'expiry', expiry.kind === 'rolling-months' ? 1 : 0, 1200);
    }
  }

  const refunds = c.object(root.refunds, 'refunds');
  if (refunds) {
    c.noUnknownKeys(refunds, 'refunds', ['deductFromOtherLots', 'allowNegativeBalance']);
    c.boolean(refunds, 'deductFromOtherLots', 'refunds');
    c.boolean(refunds, 'allowNegativeBalance', 'refunds');
  }

  checkTiers(c, root.tiers);
  const segmentNames = checkRfm(c, root.rfm);

  const nps = c.object(root.nps, 'nps');
  if (nps) {
    c.noUnknownKeys(nps, 'nps', ['detractorMax', 'passiveMax']);
    c.integer(nps, 'detractorMax', 'nps', 0, 10);
    c.integer(nps, 'passiveMax', 'nps', 0, 10);
    if (typeof nps.detractorMax === 'number' && typeof nps.passiveMax === 'number' && nps.passiveMax < nps.detractorMax) {
      c.fail('nps.passiveMax', 'must not be below nps.detractorMax');
    }
  }

  if (root.limits !== undefined) {
    const limits = c.object(root.limits, 'limits');
    if (limits) {
      c.noUnknownKeys(limits, 'limits', ['maxAmountMinor', 'maxPoints']);
      // At most 2^45: a sum of 256 of them stays exact.
      c.integer(limits, 'maxAmountMinor', 'limits', 1, 2 ** 45);
      c.integer(limits, 'maxPoints', 'limits', 1, 2 ** 40);
    }
  }

  const loyalty = c.object(root.loyalty, 'loyalty');
  if (loyalty) {
    c.noUnknownKeys(loyalty, 'loyalty', ['topSegment', 'oneStepClosenessPercent']);
    c.string(loyalty, 'topSegment', 'loyalty');
    c.integer(loyalty, 'oneStepClosenessPercent', 'loyalty', 1, 99);
    if (typeof loyalty.topSegment === 'string' && segmentNames && !segmentNames.includes(loyalty.topSegment)) {
      c.fail('loyalty.topSegment', `must name an rfm segment of the style in force (${segmentNames.join(', ')})`);
    }
  }

  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return { ok: true, rules: input as ProgramRules };
}

function checkEarning(c: Checker, value: unknown): void {
  const earning = c.object(value, 'earning');
  if (!earning) return;
  const p = 'earning';
  c.noUnknownKeys(earning, p, [
    'baseRate',
    'amountBands',
    'categoryMultipliers',
    'skuMultipliers',
    'birthdayMonthMultiplierPercent',
    'firstPurchaseBonusPoints',
    'surveyAnswerBonusPoints',
    'caps',
  ]);
  const baseRate = c.object(earning.baseRate, `${p}.baseRate`);
  if (baseRate) {
    c.noUnknownKeys(baseRate, `${p}.baseRate`, ['points', 'perAmountMinor']);
    c.integer(baseRate, 'points', `${p}.baseRate`, 0, 1_000_000);
    c.integer(baseRate, 'perAmountMinor', `${p}.baseRate`, 1);
  }
  const bands = c.array(earning.amountBands, `${p}.amountBands`);
  let previousFrom = -1;
  bands?.forEach((band, i) => {
    const path = join(`${p}.amountBands`, i);
    const b = c.object(band, path);
    if (!b) return;
    c.noUnknownKeys(b, path, ['fromAmountMinor', 'multiplierPercent']);
    c.integer(b, 'fromAmountMinor', path, 0);
    c.integer(b, 'multiplierPercent', path, MULTIPLIER_MIN, MULTIPLIER_MAX);
    if (typeof b.fromAmountMinor === 'number') {
      if (b.fromAmountMinor <= previousFrom) c.fail(join(path, 'fromAmountMinor'), 'bands must be in strictly ascending order');
      previousFrom = b.fromAmountMinor;
    }
  });
  for (const [key, idKey] of [
    ['categoryMultipliers', 'category'],
    ['skuMultipliers', 'sku'],
  ] as const) {
    const list = c.array(earning[key], `${p}.${key}`);
    const seen = new Set<string>();
    list?.forEach((entry, i) => {
      const path = join(`${p}.${key}`, i);
      const e = c.object(entry, path);
      if (!e) return;
      c.noUnknownKeys(e, path, [idKey, 'multiplierPercent']);
      c.string(e, idKey, path);
      c.integer(e, 'multiplierPercent', path, MULTIPLIER_MIN, MULTIPLIER_MAX);
      const id = e[idKey];
      if (typeof id === 'string') {
        if (seen.has(id)) c.fail(join(path, idKey), `duplicate ${idKey} ${JSON.stringify(id)}`);
        seen.add(id);
      }
    });
  }
  c.integer(earning, 'birthdayMonthMultiplierPercent', p, 100, MULTIPLIER_MAX);
  c.integer(earning, 'firstPurchaseBonusPoints', p, 0);
  c.integer(earning, 'surveyAnswerBonusPoints', p, 0);
  const caps = c.object(earning.caps, `${p}.caps`);
  if (caps) {
    c.noUnknownKeys(caps, `${p}.caps`, ['perPurchasePoints', 'perDayPoints']);
    c.nullableInteger(caps, 'perPurchasePoints', `${p}.caps`, 0);
    c.nullableInteger(caps, 'perDayPoints', `${p}.caps`, 0);
  }
}

function checkTiers(c: Checker, value: unknown): void {
  const tiers = c.object(value, 'tiers');
  if (!tiers) return;
  c.noUnknownKeys(tiers, 'tiers', ['basis', 'window', 'downgradeGraceDays', 'levels']);
  c.oneOf(tiers, 'basis', 'tiers', ['spend', 'points']);
  const window = c.object(tiers.window, 'tiers.window');
  if (window && c.oneOf(window, 'kind', 'tiers.window', ['rolling-months', 'calendar-year'])) {
    if (window.kind === 'rolling-months') {
      c.noUnknownKeys(window, 'tiers.window', ['kind', 'months']);
      c.integer(window, 'months', 'tiers.window', 1, 120);
    } else {
      c.noUnknownKeys(window, 'tiers.window', ['kind']);
    }
  }
  c.integer(tiers, 'downgradeGraceDays', 'tiers', 0, 3650);
  const levels = c.array(tiers.levels, 'tiers.levels');
  if (levels && levels.length === 0) c.fail('tiers.levels', 'must hold at least one level');
  const names = new Set<string>();
  let previous = -1;
  levels?.forEach((level, i) => {
    const path = join('tiers.levels', i);
    const l = c.object(level, path);
    if (!l) return;
    c.noUnknownKeys(l, path, ['name', 'threshold', 'earnMultiplierPercent']);
    c.string(l, 'name', path);
    c.integer(l, 'threshold', path, 0);
    c.integer(l, 'earnMultiplierPercent', path, MULTIPLIER_MIN, MULTIPLIER_MAX);
    if (typeof l.name === 'string') {
      if (names.has(l.name)) c.fail(join(path, 'name'), `duplicate tier ${JSON.stringify(l.name)}`);
      names.add(l.name);
    }
    if (typeof l.threshold === 'number') {
      if (i === 0 && l.threshold !== 0) c.fail(join(path, 'threshold'), 'the first level must start at 0');
      if (i > 0 && l.threshold <= previous) c.fail(join(path, 'threshold'), 'thresholds must be strictly ascending');
      previous = l.threshold;
    }
  });
}

function checkRfm(c: Checker, value: unknown): string[] | undefined {
  const rfm = c.object(value, 'rfm');
  if (!rfm) return undefined;
  c.noUnknownKeys(rfm, 'rfm', ['lookbackMonths', 'segments', 'otherSegment', 'style', 'quantileSegments', 'quantileScoring']);
  if (rfm.quantileScoring !== undefined) {
    const scoring = c.object(rfm.quantileScoring, 'rfm.quantileScoring');
    if (scoring) {
      c.noUnknownKeys(scoring, 'rfm.quantileScoring', ['recency', 'frequency', 'monetary']);
      for (const dimension of ['recency', 'frequency', 'monetary']) {
        const path = join('rfm.quantileScoring', dimension);
        const d = c.object(scoring[dimension], path);
        if (!d) continue;
        c.noUnknownKeys(d, path, ['ties', 'boundaries']);
        c.oneOf(d, 'ties', path, ['shared', 'by-customer-id']);
        c.oneOf(d, 'boundaries', path, ['position', 'qcut']);
      }
    }
  }
  c.oneOf(rfm, 'style', 'rfm', ['fixed-thresholds', 'quantile']);
  const quantile = c.array(rfm.quantileSegments, 'rfm.quantileSegments');
  const quantileNames = new Set<string>();
  quantile?.forEach((segment, i) => {
    const path = join('rfm.quantileSegments', i);
    const q = c.object(segment, path);
    if (!q) return;
    c.noUnknownKeys(q, path, ['name', 'recency', 'frequency', 'monetary']);
    c.string(q, 'name', path);
    if (typeof q.name === 'string') {
      if (quantileNames.has(q.name)) c.fail(join(path, 'name'), `duplicate segment ${JSON.stringify(q.name)}`);
      quantileNames.add(q.name);
    }
    for (const dimension of ['recency', 'frequency', 'monetary']) {
      const range = q[dimension];
      const ok = Array.isArray(range) && range.length === 2 && range.every((v) => Number.isInteger(v) && v >= 1 && v <= 5) && range[0] <= range[1];
      if (!ok) c.fail(join(path, dimension), 'must be a score range [min, max] within 1-5');
    }
  });
  if (rfm.style === 'quantile' && quantile && quantile.length === 0)
    c.fail('rfm.quantileSegments', 'must hold at least one segment when rfm.style is "quantile"');
  c.integer(rfm, 'lookbackMonths', 'rfm', 1, 240);
  c.string(rfm, 'otherSegment', 'rfm');
  const names: string[] = [];
  const segments = c.array(rfm.segments, 'rfm.segments');
  segments?.forEach((segment, i) => {
    const path = join('rfm.segments', i);
    const s = c.object(segment, path);
    if (!s) return;
    c.noUnknownKeys(s, path, ['name', 'recencyMonths', 'minPurchases', 'minSpendMinor']);
    c.string(s, 'name', path);
    c.integer(s, 'recencyMonths', path, 1, 240);
    c.integer(s, 'minPurchases', path, 1);
    c.integer(s, 'minSpendMinor', path, 0);
    if (typeof s.name === 'string') {
      if (names.includes(s.name) || s.name === rfm.otherSegment) c.fail(join(path, 'name'), `duplicate segment ${JSON.stringify(s.name)}`);
      names.push(s.name);
    }
  });
  // One active RFM definition: the top segment of loyalty must be one of the style in force.
  return rfm.style === 'quantile' ? [...quantileNames] : names;
}
