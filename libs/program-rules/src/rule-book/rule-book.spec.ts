import { defaultProgramRules } from '../defaults/default-rules';
import { RuleBook } from './rule-book';
import { canonicalJson, rulesContentHash } from './rules-hash';

describe('RuleBook', () => {
  const v1 = defaultProgramRules();
  const v2 = { ...defaultProgramRules(), version: 2, effectiveFrom: '2026-04-01T00:00:00Z' };

  it('picks the version in force at an instant, switching exactly at effectiveFrom', () => {
    const book = new RuleBook([v2, v1]);
    expect(book.inForceAt(Date.parse('2026-03-31T23:59:59.999Z')).rules.version).toBe(1);
    expect(book.inForceAt(Date.parse('2026-04-01T00:00:00Z')).rules.version).toBe(2);
    expect(book.latest().rules.version).toBe(2);
  });

  it('refuses two versions with one number', () => {
    expect(() => new RuleBook([v1, { ...v2, version: 1 }])).toThrow('rules version 1 appears twice');
  });
});

describe('rulesContentHash', () => {
  it('is the same whatever the key order, and changes with any rule', () => {
    const rules = defaultProgramRules();
    const reordered = JSON.parse(canonicalJson(rules)) as typeof rules;
    expect(rulesContentHash(reordered)).toBe(rulesContentHash(rules));
    expect(rulesContentHash({ ...rules, pending: { days: 15 } })).not.toBe(rulesContentHash(rules));
    expect(rulesContentHash(rules)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
