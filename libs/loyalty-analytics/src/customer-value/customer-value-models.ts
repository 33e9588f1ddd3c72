import { fitCustomerValueModel, purchaseHistoryOf, type CustomerHistory, type CustomerValueModel, type CustomerValueSettings } from '@loyalty/read-models';
import { join } from 'node:path';
import { ThreadOrHere } from '@loyalty/thread-support';
import type { ProfileReader } from '../profiles/profile-reader';

/** What the fitting thread is given: the histories and the window, settings and date of the fit. */
export interface FitJob {
  histories: CustomerHistory[];
  context: Parameters<typeof fitCustomerValueModel>[1];
}

export class CustomerValueModelError extends Error {
  constructor(
    readonly code: 'CUSTOMER_VALUE.NOT_FITTED' | 'CUSTOMER_VALUE.TOO_FEW_CUSTOMERS' | 'CUSTOMER_VALUE.INVALID_WINDOW',
    message: string,
  ) {
    super(message);
  }
}

export interface FitRequest {
  /** The end of the calibration period (the model's T); defaults to now. */
  asOf?: string;
  /** Purchases at or before this instant are left out (the papers' calibration start); default: the whole history. */
  calibrationFrom: string | null;
}

/**
 * The fitted predictive value model of this process: fitted on demand (ops) or on a schedule,
 * from the customer-profile read model; every answer that predicts reads the one in force.
 * A fit is deterministic (same history and window, same parameters), so instances that fit
 * the same window agree.
 */
export class CustomerValueModels {
  private model: CustomerValueModel | null = null;
  private fitting: Promise<CustomerValueModel> | null = null;
  private readonly fitter: ThreadOrHere<FitJob, CustomerValueModel>;
  private readonly minimumCustomers: number;

  constructor(
    private readonly profiles: ProfileReader,
    readonly settings: CustomerValueSettings,
    private readonly now: () => Date,
    options: {
      /** Fewer customers than this (default 20) and a fit says nothing reliable. */
      minimumCustomers?: number;
      inThread?: boolean;
      onThreadFailure?: (error: Error) => void;
    } = {},
  ) {
    this.minimumCustomers = options.minimumCustomers ?? 20;
    // The fit runs in its own thread (the HTTP thread keeps serving); a broken thread fits here.
    this.fitter = new ThreadOrHere<FitJob, CustomerValueModel>({
      worker: options.inThread === false ? null : { module: join(__dirname, 'fit-model.worker') },
      here: (job) => fitCustomerValueModel(job.histories, job.context),
      redoHereOnThreadFailure: true,
      failurePrefix: 'customer value fitting thread',
      ...(options.onThreadFailure ? { onThreadFailure: options.onThreadFailure } : {}),
    });
  }

  async close(): Promise<void> {
    await this.fitter.close();
  }

  /** Nest's shutdown hook: the thread ends with the app. */
  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  current(): CustomerValueModel | null {
    return this.model;
  }

  required(): CustomerValueModel {
    if (!this.model)
      throw new CustomerValueModelError('CUSTOMER_VALUE.NOT_FITTED', 'no customer value model is fitted yet: POST /v1/analytics/customer-value/model/fit');
    return this.model;
  }

  /** One fit at a time: a request during a fit gets that fit's result. */
  fit(request: FitRequest): Promise<CustomerValueModel> {
    this.fitting ??= this.fitNow(request).finally(() => (this.fitting = null));
    return this.fitting;
  }

  private async fitNow(request: FitRequest): Promise<CustomerValueModel> {
    const asOf = request.asOf ?? this.now().toISOString();
    const { calibrationFrom } = request;
    if (calibrationFrom !== null && calibrationFrom >= asOf)
      throw new CustomerValueModelError('CUSTOMER_VALUE.INVALID_WINDOW', `calibrationFrom ${calibrationFrom} must be before asOf ${asOf}`);
    const histories: CustomerHistory[] = [];
    // The pass gives way to requests by itself (ProjectionStore.entries).
    for await (const profile of this.profiles.all()) {
      const history = purchaseHistoryOf(profile, asOf, this.settings.periodDays, calibrationFrom);
      if (history) histories.push(history);
    }
    if (histories.length < this.minimumCustomers)
      throw new CustomerValueModelError(
        'CUSTOMER_VALUE.TOO_FEW_CUSTOMERS',
        `${histories.length} customers bought in the window; a fit needs at least ${this.minimumCustomers}`,
      );
    this.model = await this.fitter.request({ histories, context: { asOf, calibrationFrom, fittedAt: this.now().toISOString(), settings: this.settings } });
    return this.model;
  }
}
