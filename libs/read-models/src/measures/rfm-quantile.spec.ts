import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultProgramRules, type RfmDimensionScoring, type RfmQuantileScoring } from '@loyalty/program-rules';
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

  it('ranks equal values by ascending customer id under by-customer-id ties (rank(method="first"))', () => {
    // Given six customers, four of them with 2 purchases
    const population = ['F', 'A', 'E', 'B', 'D', 'C'].map((id, i) => ({ customerId: id, values: values(10, i < 4 ? 2 : 7, 100) }));
    const byId: RfmQuantileScoring = { recency: shared, frequency: { ties: 'by-customer-id', boundaries: 'position' }, monetary: shared };
    // When scored with shared ties, then by customer id
    const sharedScores = rfmQuantileScores(population);
    const byIdScores = rfmQuantileScores(population, byId);
    // Then shared: the four equal ones all score 1; by id: A, B, E, F take ranks 0-3 in id order (floor(5i/6)+1)
    expect(['A', 'B', 'E', 'F'].map((id) => sharedScores.get(id)?.frequency)).toEqual([1, 1, 1, 1]);
    expect(['A', 'B', 'E', 'F'].map((id) => byIdScores.get(id)?.frequency)).toEqual([1, 1, 2, 3]);
    expect(['C', 'D'].map((id) => byIdScores.get(id)?.frequency)).toEqual([4, 5]);
  });

  it('bins by value edges under qcut (linear interpolation, closed on the right) where position scores by rank', () => {
    // Given spends 100, 100, 300, 300, 400, 500, 500: qcut's edges are 100, 140, 300, 360, 480, 500
    const spends = [100, 100, 300, 300, 400, 500, 500];
    const population = spends.map((spend, i) => ({ customerId: `C${i}`, values: values(5, 1, spend) }));
    const qcut: RfmQuantileScoring = { recency: shared, frequency: shared, monetary: { ties: 'shared', boundaries: 'qcut' } };
    // When scored by qcut edges and by position
    const byQcut = rfmQuantileScores(population, qcut);
    const byPosition = rfmQuantileScores(population);
    // Then 300 sits on an edge and stays in (140, 300] = 2; 400 is in (360, 480] = 4 and 500 in the top bin,
    // where position gives floor(5 x 4 / 7) + 1 = 3 and floor(5 x 5 / 7) + 1 = 4
    expect(population.map((p) => byQcut.get(p.customerId)?.monetary)).toEqual([1, 1, 2, 2, 4, 5, 5]);
    expect(population.map((p) => byPosition.get(p.customerId)?.monetary)).toEqual([1, 1, 2, 2, 3, 4, 4]);
  });

  describe('against pandas (fixtures from test/fixtures/rfm-qcut/generate_fixtures.py)', () => {
    interface Case {
      customers: { customerId: string; recency: number; frequency: number; monetary: number }[];
      scorings: { ties: RfmDimensionScoring['ties']; scores: Record<'recency' | 'frequency' | 'monetary', number[] | null> }[];
    }
    const fixture = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/rfm-qcut/rfm-qcut-cases.json'), 'utf8')) as {
      pandas: string;
      cases: Case[];
    };

    it('scores every customer of every case as pandas.qcut does, under both tie rules, on every dimension pandas can bin', () => {
      let compared = 0;
      for (const c of fixture.cases) {
        const population = c.customers.map((row) => ({ customerId: row.customerId, values: values(row.recency, row.frequency, row.monetary) }));
        for (const { ties, scores: expected } of c.scorings) {
          const scoring: RfmQuantileScoring = {
            recency: { ties, boundaries: 'qcut' },
            frequency: { ties, boundaries: 'qcut' },
            monetary: { ties, boundaries: 'qcut' },
          };
          const actual = rfmQuantileScores(population, scoring);
          for (const dimension of ['recency', 'frequency', 'monetary'] as const) {
            const reference = expected[dimension];
            if (!reference) continue; // pandas refused (duplicate edges)
            expect({ n: c.customers.length, ties, dimension, scores: population.map((p) => actual.get(p.customerId)?.[dimension]) }).toEqual({
              n: c.customers.length,
              ties,
              dimension,
              scores: reference,
            });
            compared += reference.length;
          }
        }
      }
      expect(compared).toBe(20_941);
    });

    it("reproduces the analysts' recipe: recency and monetary by qcut, frequency ranked first then qcut", () => {
      const recipe: RfmQuantileScoring = {
        recency: { ties: 'shared', boundaries: 'qcut' },
        frequency: { ties: 'by-customer-id', boundaries: 'qcut' },
        monetary: { ties: 'shared', boundaries: 'qcut' },
      };
      const cases = fixture.cases.filter((c) => c.scorings[1].scores.recency && c.scorings[1].scores.monetary);
      expect(cases.length).toBeGreaterThan(5);
      for (const c of cases) {
        const population = c.customers.map((row) => ({ customerId: row.customerId, values: values(row.recency, row.frequency, row.monetary) }));
        const byId = c.scorings[0].scores;
        const sharedTies = c.scorings[1].scores;
        const actual = rfmQuantileScores(population, recipe);
        expect(population.map((p) => actual.get(p.customerId))).toEqual(
          population.map((_, i) => ({ recency: sharedTies.recency?.[i], frequency: byId.frequency?.[i], monetary: sharedTies.monetary?.[i] })),
        );
      }
    });
  });
});

const shared: RfmDimensionScoring = { ties: 'shared', boundaries: 'position' };
