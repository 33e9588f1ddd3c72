// `npm run bench`: every benchmark, one after another, each printing its figures.
import { benchKafkaIngestion } from './kafka-ingestion.bench';
import { benchLedgerIngestion } from './ledger-ingestion.bench';
import { benchProjectionRebuild } from './projection-rebuild.bench';
import { benchShadowRebuild } from './shadow-rebuild.bench';
import { benchExpiryJob } from './expiry-job.bench';
import { benchAccountReads } from './account-reads.bench';
import { benchCustomerValue } from './customer-value.bench';
import { benchNotifications } from './notifications.bench';
import { benchHistoryImport } from './history-import.bench';
import { benchConsoleLoad } from './console-load.bench';
import { benchTierLog } from './tier-log.bench';

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1];
  const benches: [string, () => Promise<void>][] = [
    ['ledger-ingestion', benchLedgerIngestion],
    ['kafka-ingestion', benchKafkaIngestion],
    ['projection-rebuild', benchProjectionRebuild],
    ['shadow-rebuild', benchShadowRebuild],
    ['expiry-job', benchExpiryJob],
    ['account-reads', benchAccountReads],
    ['customer-value', benchCustomerValue],
    ['notifications', benchNotifications],
    ['history-import', benchHistoryImport],
    ['console-load', benchConsoleLoad],
    ['tier-log', benchTierLog],
  ];
  for (const [name, run] of benches) {
    if (only && only !== name) continue;
    await run();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
