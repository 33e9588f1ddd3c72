import { Global, Logger, Module, type DynamicModule } from '@nestjs/common';
import { ACCOUNT_INSIGHTS, CLOCK, type Clock } from '@loyalty/ledger-application';
import { READ_VIEW, type ReadView } from './read-view';
import { PROJECTION_PROGRESS, PROJECTION_STORE, type ProjectionProgress, type ProjectionStore } from '@loyalty/projection-runner';
import { customerProfileProjection, type CustomerValueSettings } from '@loyalty/read-models';
import { accountInsights } from './account-insights/account-insights';
import { ReadSide } from './analytics-http.support';
import { CustomerListsHttpController } from './customer-lists/customer-lists.http-controller';
import { CustomerValueHttpController } from './customer-value/customer-value.http-controller';
import { CustomerValueModels } from './customer-value/customer-value-models';
import { NpsAnalyticsHttpController } from './nps-analytics/nps-analytics.http-controller';
import { ProfileReader } from './profiles/profile-reader';
import { RfmBases } from './profiles/rfm-bases';
import { SegmentsHttpController } from './segments/segments.http-controller';
import { TiersHttpController } from './segments/tiers.http-controller';
import { SupportAnalyticsHttpController } from './support-analytics/support-analytics.http-controller';

export interface LoyaltyAnalyticsOptions {
  customerValue: CustomerValueSettings;
}

/**
 * The read side's queries: segments, customer lists (loyal, good customers, one step from loyal,
 * predicted value), NPS and support analytics, the predictive value model, and the insights block
 * of the account summary. Needs PROJECTION_STORE, PROJECTION_PROGRESS, READ_VIEW and CLOCK.
 */
@Global()
@Module({})
export class LoyaltyAnalyticsModule {
  static forConfig(options: LoyaltyAnalyticsOptions): DynamicModule {
    return {
      module: LoyaltyAnalyticsModule,
      controllers: [
        SegmentsHttpController,
        TiersHttpController,
        CustomerListsHttpController,
        CustomerValueHttpController,
        NpsAnalyticsHttpController,
        SupportAnalyticsHttpController,
      ],
      providers: [
        {
          provide: ProfileReader,
          inject: [PROJECTION_STORE, READ_VIEW],
          useFactory: (store: ProjectionStore, view: ReadView) => new ProfileReader(store, () => view.current().keyOf(customerProfileProjection)),
        },
        {
          provide: RfmBases,
          inject: [ProfileReader, READ_VIEW, PROJECTION_PROGRESS],
          useFactory: (profiles: ProfileReader, view: ReadView, progress: ProjectionProgress) =>
            new RfmBases(profiles, () => `${view.current().id}@${progress.position()}`),
        },
        {
          provide: CustomerValueModels,
          inject: [ProfileReader, CLOCK],
          useFactory: (profiles: ProfileReader, clock: Clock) =>
            new CustomerValueModels(profiles, options.customerValue, () => clock.now(), {
              onThreadFailure: (error) =>
                new Logger('customer-value').error({ msg: 'the fitting thread failed; fits run in the HTTP thread from now on', error: error.message }),
            }),
        },
        ReadSide,
        {
          provide: ACCOUNT_INSIGHTS,
          inject: [ProfileReader, READ_VIEW, RfmBases, CustomerValueModels],
          useFactory: (profiles: ProfileReader, view: ReadView, bases: RfmBases, models: CustomerValueModels) => accountInsights(profiles, view, bases, models),
        },
      ],
      exports: [ACCOUNT_INSIGHTS, CustomerValueModels],
    };
  }
}
