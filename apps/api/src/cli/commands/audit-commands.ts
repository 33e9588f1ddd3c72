import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { LedgerAuditService } from '@loyalty/finance-audit';
import type { AppConfig } from '../../config/app-config';
import { auditKeyFrom, openLedgerStore } from '../../composition/ledger-infrastructure.module';
import { openProjectionStore } from '../../composition/projections.module';
import { EXIT, progressReporter, type CliIo, type CliTerminal } from '../cli-support';

export async function sealLedger(config: AppConfig, io: CliIo): Promise<number> {
  const ledger = openLedgerStore(config);
  try {
    const key = auditKeyFrom(config, resolve(config.LOYALTY_DATA_DIR), new Logger('cli'));
    io.out(`${JSON.stringify(await new LedgerAuditService(ledger, key, null).seal(), null, 2)}\n`);
    return EXIT.ok;
  } finally {
    await ledger.close();
  }
}

/** Verifies the chain, the seals and the read models; exit 1 when something broke or drifted. */
export async function verifyLedger(
  anchor: { toPosition: string; entryHash: string } | undefined,
  config: AppConfig,
  io: CliIo,
  terminal: CliTerminal,
): Promise<number> {
  const ledger = openLedgerStore(config);
  const projections = config.LEDGER_STORE === 'memory' ? null : openProjectionStore(config);
  const progress = progressReporter(io, terminal, 'audit verify', 'positions');
  try {
    const key = auditKeyFrom(config, resolve(config.LOYALTY_DATA_DIR), new Logger('cli'));
    const report = await new LedgerAuditService(ledger, key, projections).verify(anchor, (done, head) => progress.update(Number(done), Number(head)));
    progress.stop();
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    await projections?.close();
    await ledger.close();
  }
}
