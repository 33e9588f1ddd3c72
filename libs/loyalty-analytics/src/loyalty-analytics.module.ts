import { Global, Module } from '@nestjs/common';
import { ACCOUNT_INSIGHTS } from '@loyalty/ledger-application';
import { READ_VIEW, type ReadView } from './read-view';
import { PROJECTION_STORE, type ProjectionStore } from '@loyalty/projection-runner';
import { customerProfileProjection } from '@loyalty/read-models';
import { accountInsights } from './account-insights/account-insights';
import { ReadSide } from './analytics-http.support';
import { NpsAnalyticsHttpController } from './nps-analytics/nps-analytics.http-controller';
import { OneStepFromLoyalHttpController } from './one-step-from-loyal/one-step-from-loyal.http-controller';
import { ProfileReader } from './profiles/profile-reader';
import { SegmentsHttpController } from './segments/segments.http-controller';
import { SupportAnalyticsHttpController } from './support-analytics/support-analytics.http-controller';

/**
 * The read side's queries: segments, one-step-from-loyal, NPS and support analytics, and the
 * insights block of the account summary. Needs PROJECTION_STORE, PROJECTION_PROGRESS and READ_VIEW.
 */
@Global()
@Module({
  controllers: [SegmentsHttpController, OneStepFromLoyalHttpController, NpsAnalyticsHttpController, SupportAnalyticsHttpController],
  providers: [
    {
      provide: ProfileReader,
      inject: [PROJECTION_STORE, READ_VIEW],
      useFactory: (store: ProjectionStore, view: ReadView) => new ProfileReader(store, () => view.current().keyOf(customerProfileProjection)),
    },
    ReadSide,
    { provide: ACCOUNT_INSIGHTS, inject: [ProfileReader, READ_VIEW], useFactory: (profiles: ProfileReader, view: ReadView) => accountInsights(profiles, view) },
  ],
  exports: [ACCOUNT_INSIGHTS],
})
export class LoyaltyAnalyticsModule {}
