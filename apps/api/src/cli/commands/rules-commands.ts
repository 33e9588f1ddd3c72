import { readFileSync } from 'node:fs';
import { RulesCatalog, RulesLifecycleError } from '@loyalty/program-operations';
import type { AppConfig } from '../../config/app-config';
import { latestEffectiveAt } from '@loyalty/finance-audit';
import { loadRuleBook, openLedgerStore } from '../../composition/ledger-infrastructure.module';
import { openOperationsStore } from '../../composition/shared-stores';
import { EXIT, UsageError, type CliIo } from '../cli-support';

export type RulesAction =
  | { kind: 'list' }
  | { kind: 'diff'; version: number; against: number }
  | { kind: 'submit'; file: string }
  | { kind: 'schedule'; version: number; effectiveFrom: string };

/** The rules catalog, as the API's `/v1/rules` works it; exit 1 when the catalog refuses (the code and fields on stderr). */
export async function rulesCommand(action: RulesAction, config: AppConfig, io: CliIo): Promise<number> {
  const operations = openOperationsStore(config);
  const catalog = new RulesCatalog(
    operations,
    loadRuleBook(config)
      .all()
      .map((v) => v.rules),
    () => new Date(),
    {
      latestEffectiveAt: async () => {
        const ledger = openLedgerStore(config);
        try {
          return await latestEffectiveAt(ledger);
        } finally {
          await ledger.close();
        }
      },
    },
  );
  const actor = `cli:${process.env.USER ?? 'unknown'}`;
  const json = (value: unknown) => io.out(`${JSON.stringify(value, null, 2)}\n`);
  try {
    if (action.kind === 'list') json(await catalog.list());
    else if (action.kind === 'diff') io.out(`${(await catalog.diff(action.version, action.against)).lines.join('\n')}\n`);
    else if (action.kind === 'submit') {
      let document: unknown;
      try {
        document = JSON.parse(readFileSync(action.file, 'utf8'));
      } catch (error) {
        throw new UsageError(`${action.file}: ${(error as Error).message}`);
      }
      json(await catalog.submit(document, actor));
    } else json(await catalog.schedule(action.version, action.effectiveFrom, actor));
    return EXIT.ok;
  } catch (error) {
    if (error instanceof RulesLifecycleError) {
      io.err(`${error.code}: ${error.message}${error.fieldErrors.map((e) => `\n  - ${e.path}: ${e.message}`).join('')}\n`);
      return EXIT.failed;
    }
    throw error;
  } finally {
    await operations.close();
  }
}
