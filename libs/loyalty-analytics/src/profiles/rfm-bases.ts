import type { ProgramRules } from '@loyalty/program-rules';
import type { RfmBase } from '@loyalty/read-models';
import { rfmBaseOfProfiles } from './customer-evaluation';
import type { ProfileReader } from './profile-reader';

/**
 * Quantile RFM places a customer against the whole base as of the same instant: one read of every
 * profile. Kept per (read view, read-model position, rules version, as-of), so the account answer,
 * a list and its next page share one base and never disagree; a few recent ones are kept.
 */
export class RfmBases {
  private readonly recent = new Map<string, Promise<RfmBase>>();

  constructor(
    private readonly profiles: ProfileReader,
    private readonly stamp: () => string,
    private readonly keep = 8,
  ) {}

  baseFor(rules: ProgramRules, asOf: string): Promise<RfmBase> {
    if (rules.rfm.style !== 'quantile') return Promise.resolve(null);
    const key = `${this.stamp()}|${rules.id}@${rules.version}|${asOf}`;
    const known = this.recent.get(key);
    if (known) return known;
    const built = rfmBaseOfProfiles(() => this.profiles.all(), rules, asOf);
    built.catch(() => this.recent.delete(key));
    this.recent.set(key, built);
    while (this.recent.size > this.keep) this.recent.delete(this.recent.keys().next().value as string);
    return built;
  }
}
