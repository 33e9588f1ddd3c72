// The operator's and auditor's command line (`loyalty`, or `npm run cli --`), on the same
// configuration as the API (LEDGER_STORE, LOYALTY_DATA_DIR, READ_MODEL_STORE, ...). Commands
// load their modules when they run, so `--help` and a command start without the rest.
import { Command, CommanderError, Option } from 'commander';
import type { AppConfig } from '../config/app-config';
import { EXIT, instantArg, positionArg, positiveIntArg, UsageError, type CliIo, type CliTerminal } from './cli-support';

export { UsageError, type CliIo } from './cli-support';

const EXIT_CODES = `
Exit codes:
  0  done
  1  a check failed or was refused (verify found a break or drift, the rules catalog refused,
     a replay failed, the data folder is held by a running app)
  2  wrong usage (unknown command or option, a bad value, an unreadable file)`;

function program(config: () => AppConfig, io: CliIo, terminal: CliTerminal, exit: (code: number) => void): Command {
  const root = new Command('loyalty')
    .description(
      'The loyalty ledger from the command line: finance reports, audit, rules, replays and imports.\nResults go to stdout (JSON or CSV), progress and messages to stderr.',
    )
    .addHelpText('after', EXIT_CODES)
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  const formatOption = () => new Option('--format <format>', 'output format').choices(['json', 'csv']).default('json');
  const cutOptions = (command: Command) =>
    command
      .option('--at-position <position>', 'only entries up to this ledger position (the second time axis)', positionArg)
      .option('--known-at <instant>', 'only entries recorded by this instant', instantArg);

  const finance = root.command('finance').description('finance reports over the whole ledger (progress on stderr)');
  cutOptions(
    finance
      .command('liability')
      .description('outstanding points and their value as of an instant')
      .requiredOption('--as-of <instant>', 'the instant (ISO-8601)', instantArg)
      .addOption(new Option('--split <split>', 'the table printed as CSV').choices(['summary', 'tier', 'lotAge', 'expiryMonth']).default('summary'))
      .option('--customer <id>', 'one customer only')
      .addOption(formatOption()),
  ).action(async (o) => exit(await (await import('./commands/finance-commands')).financeReport('liability', o, config(), io, terminal)));
  for (const [name, description] of [
    ['roll-forward', 'opening balance, issued, redeemed, expired, adjusted and closing balance per period'],
    ['breakage', 'points expired unused against points issued, per period'],
    ['trial-balance', 'every account of the chart, debits and credits over the period'],
  ] as const) {
    const command = finance
      .command(name)
      .description(description)
      .requiredOption('--from <instant>', 'start of the period (inclusive)', instantArg)
      .requiredOption('--to <instant>', 'end of the period (exclusive)', instantArg)
      .addOption(formatOption());
    if (name !== 'trial-balance') command.addOption(new Option('--by <period>', 'rows per day or month').choices(['day', 'month']).default('month'));
    cutOptions(command).action(async (o) => exit(await (await import('./commands/finance-commands')).financeReport(name, o, config(), io, terminal)));
  }

  const audit = root.command('audit').description('tamper evidence: seal the ledger, verify it');
  audit
    .command('seal')
    .description('seal the entries since the last seal (a signed digest)')
    .action(async () => exit(await (await import('./commands/audit-commands')).sealLedger(config(), io)));
  audit
    .command('verify')
    .description('verify the hash chain, every seal and the read models against the ledger (exit 1 on a break or drift)')
    .option('--anchor-position <position>', 'a position whose entry hash you kept outside the ledger', positionArg)
    .option('--anchor-hash <sha256>', 'that entry hash')
    .action(async (o: { anchorPosition?: bigint; anchorHash?: string }) => {
      if ((o.anchorPosition === undefined) !== (o.anchorHash === undefined)) throw new UsageError('--anchor-position and --anchor-hash go together');
      if (o.anchorHash !== undefined && !/^[0-9a-f]{64}$/.test(o.anchorHash)) throw new UsageError('--anchor-hash must be a sha256 hex digest');
      const anchor = o.anchorPosition !== undefined ? { toPosition: o.anchorPosition.toString(), entryHash: o.anchorHash as string } : undefined;
      exit(await (await import('./commands/audit-commands')).verifyLedger(anchor, config(), io, terminal));
    });

  const rules = root.command('rules').description('the rules catalog: versions, diffs, submissions, schedules');
  const runRules = async (action: import('./commands/rules-commands').RulesAction) =>
    exit(await (await import('./commands/rules-commands')).rulesCommand(action, config(), io));
  rules
    .command('list')
    .description('every version with its status')
    .action(() => runRules({ kind: 'list' }));
  rules
    .command('diff')
    .description('what a version changes against another')
    .argument('<version>', 'the version', positiveIntArg)
    .requiredOption('--against <version>', 'the version to compare with', positiveIntArg)
    .action((version: number, o: { against: number }) => runRules({ kind: 'diff', version, against: o.against }));
  rules
    .command('submit')
    .description('submit a rules document (JSON) as a proposed version')
    .argument('<file>', 'the rules document')
    .action((file: string) => runRules({ kind: 'submit', file }));
  rules
    .command('schedule')
    .description(
      'put a proposed version in force from an instant: at least a minute ahead, or in the past where the ledger has no entry at or after it (rules for a history to load)',
    )
    .argument('<version>', 'the version', positiveIntArg)
    .requiredOption('--effective-from <instant>', 'when it takes effect', instantArg)
    .action((version: number, o: { effectiveFrom: string }) => runRules({ kind: 'schedule', version, effectiveFrom: o.effectiveFrom }));

  const replay = root
    .command('replay')
    .description('shadow replays, run by the API process: these commands call it over HTTP')
    .option('--url <url>', 'the API (default http://127.0.0.1:$PORT)')
    .option('--api-key <key>', 'an ops key (default LOYALTY_API_KEY)');
  const runReplay = async (action: import('./commands/replay-commands').ReplayAction) =>
    exit(await (await import('./commands/replay-commands')).replayCommand(action, replay.opts(), config(), io, terminal));
  replay
    .command('start')
    .description('replay the projections under a candidate version, and watch it')
    .requiredOption('--candidate <version>', 'the proposed rules version', positiveIntArg)
    .option('--throttle <events/s>', 'at most this many events a second', positiveIntArg)
    .option('--projections <names>', 'comma-separated projections (default: all)')
    .action((o: { candidate: number; throttle?: number; projections?: string }) =>
      runReplay({ kind: 'start', candidate: o.candidate, throttle: o.throttle, projections: o.projections?.split(',') }),
    );
  for (const kind of ['watch', 'promote', 'rollback'] as const)
    replay
      .command(kind)
      .description(kind === 'watch' ? 'progress until the replay ends' : `${kind} a finished replay`)
      .argument('<id>', 'the replay id (r-YYYYMMDDhhmmss-xxxxxx)')
      .action((id: string) => runReplay({ kind, id }));

  const importing = root.command('import').description('load history from files into the ledger');
  /** What every file import takes: the files, their format, the reject file, dry runs and restarts, chunking. */
  const fileImport = (command: Command) =>
    command
      .argument('<files...>', "files or globs (quoted), '-' for stdin")
      .addOption(new Option('--format <format>', 'the file format (default: by extension, .csv or NDJSON)').choices(['ndjson', 'csv']))
      .option('--rejects <file>', 'the reject file (default <file>.rejects.csv)')
      .option('--dry-run', 'read and check every row, write nothing to the ledger')
      .option('--restart', 'read a file imported completely before again (its rows are then duplicates)')
      .option('--run-rows <n>', 'rows sorted in memory into one run of the ordering (its memory)', positiveIntArg, 250_000)
      .option('--chunk-rows <n>', 'rows read together; rows written between two checkpoints', positiveIntArg, 20_000)
      .option('--batch-size <n>', 'commands per ledger batch', positiveIntArg, 2_000);
  fileImport(
    importing
      .command('history')
      .summary('purchases, refunds, enrolments, survey answers and support contacts from NDJSON or CSV files')
      .description(
        'purchases, refunds, enrolments, survey answers and support contacts from NDJSON (the Kafka payload shape) or CSV, through the ledger’s batch path.\nTwo phases: ordering reads and checks the file and sorts its rows by customer and business time (runs in the data folder); writing merges them into the ledger, each customer’s history together.\nResumable: a checkpoint per file in the data folder; re-running a file adds nothing. Invalid rows go to the reject file with their line, field and reason.',
      ),
  )
    .option(
      '--type <type>',
      'the message type of rows that carry none (purchase.recorded, refund.recorded, customer.enrolled, survey.answered, support-contact.recorded)',
    )
    .option('--map <field=column,...>', 'CSV: payload fields read from columns of other names')
    .action(async (files: string[], o) => exit(await (await import('./commands/import-commands')).importHistoryCommand(files, o, config(), io, terminal)));
  fileImport(
    importing
      .command('opening-balances')
      .summary("another program's balances: lots, tier and its qualifying figures, enrolment date")
      .description(
        [
          "another program's balances as opening entries (the chart's opening:migrated-balances account, the roll-forward's migrated line).",
          'NDJSON: one customer per line {customerId, migrationId, sourceProgram, migratedAt, memberSince?, birthDate?, lots: [{ref, points, earnedAt, availableAt?, expiresAt}], tier?: {name, qualifying: [{at, spend, points}]}}.',
          'CSV: one lot per row (consecutive rows of a customer are one balance): customerId, lotRef, points, earnedAt, availableAt, expiresAt, memberSince, birthDate, tier, qualifyingAt, qualifyingSpend, qualifyingPoints.',
          'A lot is spendable from the cutover (migratedAt) or its availableAt, and expires at its expiresAt; the stated tier must be the one the rules find from the qualifying figures.',
          'An opening balance opens its account: a customer with points entries already is rejected. Resumable and idempotent like import history.',
        ].join('\n'),
      ),
  )
    .option('--migration-id <id>', 'the migration id of rows that give none (e.g. from-acme-2026-12)')
    .option('--source-program <name>', 'the program the balances come from, for rows that give none')
    .option('--migrated-at <instant>', 'the cutover (ISO-8601 UTC), for rows that give none', instantArg)
    .option('--map <field=column,...>', 'CSV: fields read from columns of other names')
    .action(async (files: string[], o) =>
      exit(await (await import('./commands/import-commands')).importOpeningBalancesCommand(files, o, config(), io, terminal)),
    );
  const withExitCodes = (command: Command) => {
    for (const sub of command.commands) {
      sub.addHelpText('after', EXIT_CODES);
      withExitCodes(sub);
    }
  };
  withExitCodes(root);
  return root;
}

/** Runs one command line: the exit code (see EXIT_CODES). */
export async function runCli(argv: string[], config: AppConfig | (() => AppConfig), io: CliIo, terminal: boolean | CliTerminal = false): Promise<number> {
  let code: number = EXIT.ok;
  const configOf = typeof config === 'function' ? config : () => config;
  try {
    await program(configOf, io, typeof terminal === 'boolean' ? { tty: terminal } : terminal, (c) => (code = c)).parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage; // help, version: 0; a usage error commander printed
    if (error instanceof UsageError) {
      io.err(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

/** `bin/loyalty.js` calls this. */
export function main(): void {
  const io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) };
  const started = Date.now();
  const interval = Number(process.env.LOYALTY_PROGRESS_INTERVAL_MS);
  runCli(
    process.argv.slice(2),
    () => {
      // The configuration and Nest's logger only for a command that runs (not for --help).
      require('reflect-metadata');
      (require('@nestjs/common') as typeof import('@nestjs/common')).Logger.overrideLogger(['error']);
      return (require('../config/app-config') as typeof import('../config/app-config')).loadConfig();
    },
    io,
    { tty: process.stderr.isTTY === true, stream: process.stderr, ...(interval > 0 ? { progressEveryMs: interval } : {}) },
  )
    .then((code) => {
      if (process.env.LOYALTY_CLI_TIMING === 'true') process.stderr.write(`(${Date.now() - started} ms)\n`);
      process.exit(code);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(EXIT.failed);
    });
}

if (require.main === module) main();
