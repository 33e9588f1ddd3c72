// Predictive customer value over the 1M-purchase bench workload: fitting BG/NBD + Gamma-Gamma
// (seconds) and scoring every customer (customers/s).
//
// The workload is the bench ledger's (generateWorkload, seed 4, purchases/10 customers, one
// year): its purchases and refunds are folded straight into customer profiles, as the
// customer-profile projection holds them (duplicates dropped, refunds netted), because the fit
// reads profiles, not the ledger; building and projecting a 1M-purchase ledger first would
// measure the writer, which ledger-ingestion does.
import {
  DEFAULT_CUSTOMER_VALUE_SETTINGS,
  fitCustomerValueModel,
  predictValue,
  purchaseHistoryOf,
  type CustomerHistory,
  type CustomerProfile,
} from '@loyalty/read-models';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CustomerValueModels, type ProfileReader } from '@loyalty/loyalty-analytics';
import { generateWorkload } from '@loyalty/workload-generator';
import { numberArg, peakRssMiB, rate, report } from './bench-support';

export async function benchCustomerValue(): Promise<void> {
  const purchases = numberArg('purchases', 1_000_000);
  const customers = Math.max(1000, Math.round(purchases / 10));
  const profiles = foldWorkload(purchases, customers);
  const asOf = '2026-01-01T00:00:00.000Z'; // the end of the workload's year

  const historiesStarted = process.hrtime.bigint();
  const histories: CustomerHistory[] = [];
  for (const profile of profiles.values()) {
    const h = purchaseHistoryOf(profile, asOf, DEFAULT_CUSTOMER_VALUE_SETTINGS.periodDays);
    if (h) histories.push(h);
  }
  const historiesMs = msSince(historiesStarted);

  const fitStarted = process.hrtime.bigint();
  const model = fitCustomerValueModel(histories, {
    asOf,
    calibrationFrom: null,
    fittedAt: new Date().toISOString(),
    settings: DEFAULT_CUSTOMER_VALUE_SETTINGS,
  });
  const fitMs = msSince(fitStarted);

  const scoreStarted = process.hrtime.bigint();
  let totalClv = 0;
  for (const h of histories) totalClv += predictValue(model, h).clv ?? 0;
  const scoreMs = msSince(scoreStarted);

  // The app fits through CustomerValueModels, in its own thread: the event loop (HTTP) stays free.
  const reader = {
    async *all() {
      yield* profiles.values();
    },
  } as unknown as ProfileReader;
  const models = new CustomerValueModels(reader, DEFAULT_CUSTOMER_VALUE_SETTINGS, () => new Date());
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const threadedStarted = process.hrtime.bigint();
  const threaded = await models.fit({ asOf, calibrationFrom: null });
  const threadedMs = msSince(threadedStarted);
  delay.disable();
  await models.close();
  const sameFit = JSON.stringify(threaded.bgNbd.parameters) === JSON.stringify(model.bgNbd.parameters);

  report(`customer value model (${purchases.toLocaleString()} purchases, ${customers.toLocaleString()} customers)`, {
    'customers with a purchase': histories.length,
    'repeat customers (Gamma-Gamma)': model.gammaGamma?.customers ?? 0,
    'histories from profiles, ms': historiesMs,
    'fit BG/NBD + Gamma-Gamma, seconds': (fitMs / 1000).toFixed(2),
    'BG/NBD r, alpha, a, b': Object.values(model.bgNbd.parameters)
      .map((v) => v.toFixed(4))
      .join(', '),
    'BG/NBD log-likelihood': model.bgNbd.logLikelihood.toFixed(1),
    'BG/NBD converged': String(model.bgNbd.converged),
    'Gamma-Gamma p, q, gamma': model.gammaGamma
      ? Object.values(model.gammaGamma.parameters)
          .map((v) => v.toFixed(4))
          .join(', ')
      : 'not fitted',
    'Gamma-Gamma log-likelihood': model.gammaGamma?.logLikelihood.toFixed(1) ?? 'n/a',
    'fit in the app (fitting thread), s': (threadedMs / 1000).toFixed(2),
    'event loop delay max meanwhile, ms': Math.round(delay.max / 1e6),
    'same parameters in the thread': String(sameFit),
    'score every customer, ms': scoreMs,
    'scoring, customers/s': rate(histories.length, scoreMs),
    'sum of predicted CLV (360 days), JPY': totalClv,
    'peak RSS MiB': peakRssMiB(),
  });
}

/** The workload's purchases and refunds as the customer-profile projection keeps them. */
function foldWorkload(purchases: number, customers: number): Map<string, CustomerProfile> {
  const profiles = new Map<string, CustomerProfile>();
  const orders = new Map<string, CustomerProfile['purchases'][number]>();
  let seen = 0;
  for (const { command, duplicate } of generateWorkload({ seed: 4, customers, purchases, withLines: false })) {
    if (duplicate) continue;
    if (command.type === 'RecordPurchase') {
      let profile = profiles.get(command.customerId);
      if (!profile) {
        profile = { customerId: command.customerId, enrolledAt: null, birthDate: null, purchases: [], surveyAnswers: [], supportContacts: [] };
        profiles.set(command.customerId, profile);
      }
      const purchase = { orderId: command.orderId, at: command.occurredAt, amount: command.amount, refunded: 0, points: 0 };
      profile.purchases.push(purchase);
      orders.set(command.orderId, purchase);
      if (++seen % 100_000 === 0) process.stderr.write(`\r  folding the workload: ${seen.toLocaleString()} purchases`);
    } else if (command.type === 'RecordRefund') {
      const purchase = orders.get(command.orderId);
      if (purchase) purchase.refunded = Math.min(purchase.amount, purchase.refunded + command.amount);
    }
  }
  process.stderr.write('\n');
  return profiles;
}

function msSince(started: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - started) / 1e6);
}

if (require.main === module) {
  benchCustomerValue().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
