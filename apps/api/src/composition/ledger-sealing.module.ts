import { Inject, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventStore } from '@loyalty/event-store';
import { AUDIT_KEY, LedgerSealer, type AuditKey } from '@loyalty/finance-audit';
import { CLOCK, EVENT_STORE, type Clock } from '@loyalty/ledger-application';
import { PeriodicTask } from './periodic-task';

const SEAL_INTERVAL_MS = Symbol('SEAL_INTERVAL_MS');

/** Seals the ledger every interval (a signed digest of the new entries), one seal at a time. */
class LedgerSealSchedule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ledger-sealer');
  private readonly sealer: LedgerSealer;
  private readonly schedule: PeriodicTask;

  constructor(
    @Inject(EVENT_STORE) ledger: EventStore,
    @Inject(AUDIT_KEY) key: AuditKey,
    @Inject(CLOCK) clock: Clock,
    @Inject(SEAL_INTERVAL_MS) intervalMs: number,
  ) {
    this.sealer = new LedgerSealer(ledger, key, () => clock.now());
    this.schedule = new PeriodicTask(intervalMs, () => this.sealOnce());
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.schedule.stop();
  }

  private async sealOnce(): Promise<void> {
    try {
      for (const d of await this.sealer.seal()) this.logger.log({ msg: 'ledger sealed', fromPosition: d.fromPosition, toPosition: d.toPosition, events: d.events, keyId: d.keyId });
    } catch (error) {
      this.logger.error({ msg: 'sealing failed; retried at the next interval', error: (error as Error).message });
    }
  }
}

@Module({})
export class LedgerSealingModule {
  static every(seconds: number): DynamicModule {
    return { module: LedgerSealingModule, providers: [{ provide: SEAL_INTERVAL_MS, useValue: seconds * 1000 }, LedgerSealSchedule] };
  }
}
