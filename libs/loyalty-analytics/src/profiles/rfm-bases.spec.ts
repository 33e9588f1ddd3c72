import { defaultProgramRules, type ProgramRules } from '@loyalty/program-rules';
import type { CustomerProfile } from '@loyalty/read-models';
import type { ProfileReader } from './profile-reader';
import { RfmBases } from './rfm-bases';

const quantile: ProgramRules = {
  ...defaultProgramRules(),
  rfm: { ...defaultProgramRules().rfm, style: 'quantile' },
  loyalty: { ...defaultProgramRules().loyalty, topSegment: 'champions' },
};
const buyer = (id: string, at: string): CustomerProfile => ({
  customerId: id,
  enrolledAt: null,
  birthDate: null,
  purchases: [{ orderId: `${id}-1`, at, amount: 1000, refunded: 0, points: 0 }],
  surveyAnswers: [],
  supportContacts: [],
});

describe('RFM bases (one per view, position, rules version and instant)', () => {
  let reads = 0;
  let position = 1;
  const reader = {
    async *all() {
      reads++;
      yield buyer('A', '2026-01-10T00:00:00.000Z');
      yield buyer('B', '2026-03-10T00:00:00.000Z');
    },
  } as unknown as ProfileReader;
  const bases = new RfmBases(reader, () => `live@${position}`, 2);

  it('reads the profiles once per (view position, rules version, as-of), never under fixed thresholds', async () => {
    // Given a first base as of 1 April
    const april = await bases.baseFor(quantile, '2026-04-01T00:00:00.000Z');
    expect(reads).toBe(1);
    // When asked again for the same instant, and for the fixed style
    expect(await bases.baseFor(quantile, '2026-04-01T00:00:00.000Z')).toBe(april);
    expect(await bases.baseFor(defaultProgramRules(), '2026-04-01T00:00:00.000Z')).toBeNull();
    expect(reads).toBe(1);
    // Then another instant, or the read models moving on, build another base
    const may = await bases.baseFor(quantile, '2026-05-01T00:00:00.000Z');
    expect(may).not.toBe(april);
    position = 2;
    await bases.baseFor(quantile, '2026-05-01T00:00:00.000Z');
    expect(reads).toBe(3);
    // And only the last two are kept
    position = 1;
    await bases.baseFor(quantile, '2026-04-01T00:00:00.000Z');
    expect(reads).toBe(4);
  });
});
