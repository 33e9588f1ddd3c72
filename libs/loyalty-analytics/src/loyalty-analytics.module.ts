import { Global, Module } from '@nestjs/common';
import { ACCOUNT_INSIGHTS, RULE_BOOK_SOURCE, type RuleBookSource } from '@loyalty/ledger-application';
import { PROJECTION_STORE, type ProjectionStore } from '@loyalty/projection-runner';
import { accountInsights } from './account-insights/account-insights';
import { ReadSide } from './analytics-http.support';
import { NpsAnalyticsHttpController } from './nps-analytics/nps-analytics.http-controller';
import { OneStepFromLoyalHttpController } from './one-step-from-loyal/one-step-from-loyal.http-controller';
import { ProfileReader } from './profiles/profile-reader';
import { SegmentsHttpController } from './segments/segments.http-controller';
import { SupportAnalyticsHttpController } from './support-analytics/support-analytics.http-controller';

/**
 * The read side's queries: segments, one-step-from-loyal, NPS and support analytics, and the
 * insights block of the account summary. Needs PROJECTION_STORE and PROJECTION_PROGRESS.
 */
@Global()
@Module({
  controllers: [SegmentsHttpController, OneStepFromLoyalHttpController, NpsAnalyticsHttpController, SupportAnalyticsHttpController],
  providers: [
    { provide: ProfileReader, inject: [PROJECTION_STORE], useFactory: (store: ProjectionStore) => new ProfileReader(store) },
    ReadSide,
    { provide: ACCOUNT_INSIGHTS, inject: [ProfileReader, RULE_BOOK_SOURCE], useFactory: (profiles: ProfileReader, rules: RuleBookSource) => accountInsights(profiles, rules) },
  ],
  exports: [ACCOUNT_INSIGHTS],
})
export class LoyaltyAnalyticsModule {}
