import { Inject, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { signOff, type AuditKey, type Sealer } from '@loyalty/finance-audit';
import type { LoyaltyMetrics } from '@loyalty/http-platform';
import type { AppConfig } from '../config/app-config';
import { PeriodicTask } from './periodic-task';

/** The process that seals: the projector's (one per deployment, like the projector), when an interval is set. */
export function sealsTheLedger(config: AppConfig): boolean {
  return (config.LOYALTY_ROLE === 'all' || config.LOYALTY_ROLE === 'projector') && config.LOYALTY_SEAL_INTERVAL_SECONDS > 0;
}

/** Injection token of the process's LedgerSealing (null where this process does not seal). */
export const LEDGER_SEALING = Symbol('LEDGER_SEALING');

/**
 * Seals the ledger (a signed digest of the entries since the last seal), one seal at a time,
 * and publishes each seal's sign-off as a log line for an external collector: an auditor has
 * an anchor outside the ledger without asking for one. Sealed on the interval and, by the
 * composition root, once more just before the ledger closes.
 */
export class LedgerSealing {
  private readonly logger = new Logger('ledger-sealer');
  private sealing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sealer: Sealer,
    private readonly key: AuditKey,
    private readonly metrics: LoyaltyMetrics,
  ) {}

  /** After the last seal: the sealer's thread, where it has one, stops. */
  async close(): Promise<void> {
    await this.sealing;
    await this.sealer.close();
  }

  /** Seals what is new; failures are logged, and retried at the next seal. */
  sealNow(reason: 'interval' | 'shutdown'): Promise<void> {
    this.sealing = this.sealing.then(() => this.sealOnce(reason));
    return this.sealing;
  }

  private async sealOnce(reason: 'interval' | 'shutdown'): Promise<void> {
    const started = Date.now();
    try {
      const sealed = await this.sealer.seal();
      if (sealed.length === 0) return;
      const newest = await this.sealer.lastDigest();
      this.metrics.ledgerSeals.inc(sealed.length);
      for (const d of sealed) {
        this.logger.log({
          msg: 'ledger sealed',
          anchor: 'ledger-seal-sign-off', // what an external collector keeps: verify --anchor-position/--anchor-hash
          reason,
          fromPosition: d.fromPosition,
          toPosition: d.toPosition,
          events: d.events,
          digest: d.digest,
          keyId: this.key.keyId,
          ...(newest && newest.digest.toPosition === d.toPosition ? { signOff: signOff(newest) } : {}),
          ms: Date.now() - started,
        });
      }
    } catch (error) {
      this.logger.error({ msg: 'sealing failed; retried at the next seal', reason, error: (error as Error).message });
    }
  }
}

const SEAL_INTERVAL_MS = Symbol('SEAL_INTERVAL_MS');

/** Seals every interval. */
class LedgerSealSchedule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly schedule: PeriodicTask;

  constructor(@Inject(LEDGER_SEALING) sealing: LedgerSealing, @Inject(SEAL_INTERVAL_MS) intervalMs: number) {
    this.schedule = new PeriodicTask(intervalMs, () => sealing.sealNow('interval'));
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.schedule.stop();
  }
}

@Module({})
export class LedgerSealingModule {
  static every(seconds: number): DynamicModule {
    return { module: LedgerSealingModule, providers: [{ provide: SEAL_INTERVAL_MS, useValue: seconds * 1000 }, LedgerSealSchedule] };
  }
}
