import { defaultProgramRules } from '@loyalty/program-rules';
import type { RfmValues } from './rfm';
import { quantileSegment, rfmQuantileScores } from './rfm-quantile';

const values = (recencyDays: number | null, frequency: number, monetary: number): RfmValues => ({
  lastPurchaseAt: recencyDays === null ? null : 'x',
  recencyDays,
  frequency,
  monetary,
});

describe('RFM quantile scoring', () => {
  it('scores 1-5 per dimension by quintile, most recent, most frequent and biggest spenders highest', () => {
    const population = Array.from({ length: 10 }, (_, i) => ({ customerId: `C-${i}`, values: values(100 - i * 10, i + 1, (i + 1) * 1000) }));
    const scores = rfmQuantileScores(population);
    expect([...scores.values()].map((s) => s.recency)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(scores.get('C-9')).toEqual({ recency: 5, frequency: 5, monetary: 5 });
    expect(scores.get('C-0')).toEqual({ recency: 1, frequency: 1, monetary: 1 });
  });

  it('gives equal values one score whatever the order of customers (deterministic tie-break)', () => {
    const population = [
      { customerId: 'B', values: values(5, 3, 100) },
      { customerId: 'A', values: values(5, 3, 100) },
      { customerId: 'C', values: values(50, 1, 10) },
      { customerId: 'D', values: values(1, 9, 900) },
    ];
    const forward = rfmQuantileScores(population);
    const backward = rfmQuantileScores([...population].reverse());
    expect(forward).toEqual(backward);
    expect(forward.get('A')).toEqual(forward.get('B'));
  });

  it('leaves customers without a purchase in the window unscored, in the other segment', () => {
    const scores = rfmQuantileScores([
      { customerId: 'IDLE', values: values(null, 0, 0) },
      { customerId: 'ONE', values: values(3, 1, 100) },
    ]);
    expect(scores.has('IDLE')).toBe(false);
    expect(quantileSegment(scores.get('IDLE'), defaultProgramRules().rfm).segment).toBe('other');
  });

  it('maps score patterns to segments, first match wins', () => {
    const rfm = defaultProgramRules().rfm;
    expect(quantileSegment({ recency: 5, frequency: 5, monetary: 4 }, rfm)).toEqual({ segment: 'champions', reason: 'champions: scores R5 F5 M4' });
    expect(quantileSegment({ recency: 3, frequency: 4, monetary: 3 }, rfm).segment).toBe('loyal-customers');
    expect(quantileSegment({ recency: 1, frequency: 5, monetary: 5 }, rfm).segment).toBe('at-risk');
    expect(quantileSegment({ recency: 3, frequency: 1, monetary: 1 }, rfm)).toEqual({ segment: 'other', reason: 'other: scores R3 F1 M1 match no segment' });
  });
});
