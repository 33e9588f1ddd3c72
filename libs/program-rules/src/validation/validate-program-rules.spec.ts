import { defaultProgramRules } from '../defaults/default-rules';
import { InvalidProgramRulesError, parseProgramRulesFile } from './parse-program-rules';
import { validateProgramRules } from './validate-program-rules';

describe('validateProgramRules', () => {
  it('accepts the shipped default rules', () => {
    expect(validateProgramRules(defaultProgramRules()).ok).toBe(true);
  });

  it('names every bad field by its path', () => {
    const rules = defaultProgramRules() as unknown as Record<string, any>;
    rules.version = 0;
    rules.currency = 'yen';
    rules.earning.amountBands[1].multiplierPercent = 1.5;
    rules.earning.amountBands[2].fromAmountMinor = 10;
    rules.tiers.levels[0].threshold = 5;
    rules.expiry = { kind: 'weekly' };
    rules.loyalty.topSegment = 'vip';
    rules.surprise = true;
    const result = validateProgramRules(rules);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      { path: 'surprise', message: 'is not a known field' },
      { path: 'version', message: 'must be between 1 and 9007199254740991' },
      { path: 'currency', message: 'must be an ISO-4217 code such as JPY' },
      { path: 'earning.amountBands[1].multiplierPercent', message: 'must be an integer' },
      { path: 'earning.amountBands[2].fromAmountMinor', message: 'bands must be in strictly ascending order' },
      { path: 'expiry.kind', message: 'must be one of "rolling-months", "end-of-month", "end-of-year"' },
      { path: 'tiers.levels[0].threshold', message: 'the first level must start at 0' },
      { path: 'loyalty.topSegment', message: 'must name an rfm segment of the style in force (loyal, A, B)' },
    ]);
  });

  it('takes the quantile scoring options per dimension, and a quantile style only with a quantile top segment', () => {
    const rules = defaultProgramRules() as unknown as Record<string, any>;
    rules.rfm.style = 'quantile';
    rules.rfm.quantileScoring = {
      recency: { ties: 'shared', boundaries: 'qcut' },
      frequency: { ties: 'first', boundaries: 'qcut' },
      monetary: { ties: 'shared', boundaries: 'quintiles' },
    };
    const result = validateProgramRules(rules);
    expect(!result.ok && result.errors).toEqual([
      { path: 'rfm.quantileScoring.frequency.ties', message: 'must be one of "shared", "by-customer-id"' },
      { path: 'rfm.quantileScoring.monetary.boundaries', message: 'must be one of "position", "qcut"' },
      {
        path: 'loyalty.topSegment',
        message: 'must name an rfm segment of the style in force (champions, loyal-customers, potential-loyalists, at-risk, hibernating)',
      },
    ]);
    rules.rfm.quantileScoring.frequency.ties = 'by-customer-id';
    rules.rfm.quantileScoring.monetary.boundaries = 'qcut';
    rules.loyalty.topSegment = 'champions';
    expect(validateProgramRules(rules).ok).toBe(true);
  });

  it('rejects a floating-point point value: money and points are integers', () => {
    const rules = defaultProgramRules() as unknown as Record<string, any>;
    rules.pointValue.minorUnitsPerPoint = 0.5;
    const result = validateProgramRules(rules);
    expect(!result.ok && result.errors).toEqual([{ path: 'pointValue.minorUnitsPerPoint', message: 'must be an integer' }]);
  });

  it('reads a file of several versions and prefixes errors with the version index', () => {
    const good = defaultProgramRules();
    const bad = { ...defaultProgramRules(), version: 2, effectiveFrom: 'tomorrow' };
    expect(parseProgramRulesFile(JSON.stringify([good]))).toHaveLength(1);
    expect(() => parseProgramRulesFile(JSON.stringify([good, bad]), 'rules.json')).toThrow(
      new InvalidProgramRulesError([{ path: '[1].effectiveFrom', message: 'must be an ISO-8601 UTC instant such as 2026-01-01T00:00:00Z' }], 'rules.json'),
    );
    expect(() => parseProgramRulesFile('{ nope')).toThrow(/\(root\): is not valid JSON/);
  });
});
