import type { NpsRules } from '@loyalty/program-rules';
import type { CustomerProfile } from '../customer-profile/customer-profile.projection';

export type NpsCategory = 'promoter' | 'passive' | 'detractor';

export function npsCategory(score: number, rules: NpsRules): NpsCategory {
  if (score <= rules.detractorMax) return 'detractor';
  if (score <= rules.passiveMax) return 'passive';
  return 'promoter';
}

export interface NpsSummary {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  /**
   * % promoters − % detractors, from −100 to +100, to one decimal; null without responses.
   * @format double
   */
  nps: number | null;
}

/** NPS of a set of answers. Counts are exact; the score is rounded to one decimal (half away from zero). */
export function npsOf(scores: readonly number[], rules: NpsRules): NpsSummary {
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  for (const score of scores) {
    const category = npsCategory(score, rules);
    if (category === 'promoter') promoters++;
    else if (category === 'passive') passives++;
    else detractors++;
  }
  const responses = scores.length;
  if (responses === 0) return { responses, promoters, passives, detractors, nps: null };
  // Integer arithmetic in tenths of a point, then one division.
  const tenths = (1000 * (promoters - detractors)) / responses;
  const rounded = Math.sign(tenths) * Math.round(Math.abs(tenths));
  return { responses, promoters, passives, detractors, nps: rounded / 10 };
}

/** The customer's latest answer at or before as-of, with its category. */
export function latestNpsAnswer(profile: CustomerProfile, rules: NpsRules, asOf: string): { score: number; category: NpsCategory; at: string } | null {
  let latest: { score: number; at: string } | null = null;
  for (const answer of profile.surveyAnswers) {
    if (answer.at <= asOf && (latest === null || answer.at >= latest.at)) latest = { score: answer.score, at: answer.at };
  }
  return latest && { ...latest, category: npsCategory(latest.score, rules) };
}
