import { Inject, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { CustomerValueModels, CustomerValueModelError } from '@loyalty/loyalty-analytics';
import { PeriodicTask } from './periodic-task';

const REFIT_INTERVAL_MS = Symbol('REFIT_INTERVAL_MS');

/** Refits the predictive customer value model on the history up to now, every interval (not at start: a fit reads every profile). */
class CustomerValueRefit implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('customer-value');
  private readonly schedule: PeriodicTask;

  constructor(
    private readonly models: CustomerValueModels,
    @Inject(REFIT_INTERVAL_MS) intervalMs: number,
  ) {
    this.schedule = new PeriodicTask(intervalMs, () => this.refit());
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.schedule.stop();
  }

  private async refit(): Promise<void> {
    const started = Date.now();
    try {
      const model = await this.models.fit({ calibrationFrom: null });
      this.logger.log({
        msg: 'customer value model refitted',
        asOf: model.asOf,
        customers: model.bgNbd.customers,
        bgNbd: model.bgNbd.parameters,
        gammaGamma: model.gammaGamma?.parameters ?? null,
        elapsedMs: Date.now() - started,
      });
    } catch (error) {
      const expected = error instanceof CustomerValueModelError;
      this.logger[expected ? 'warn' : 'error']({ msg: 'customer value refit skipped; it tries again at the next interval', error: (error as Error).message });
    }
  }
}

@Module({})
export class CustomerValueRefitModule {
  static every(seconds: number): DynamicModule {
    return { module: CustomerValueRefitModule, providers: [{ provide: REFIT_INTERVAL_MS, useValue: seconds * 1000 }, CustomerValueRefit] };
  }
}
