// The operator's and auditor's command line, on the same configuration as the API
// (LEDGER_STORE, LOYALTY_DATA_DIR, READ_MODEL_STORE, LOYALTY_AUDIT_KEY, ...):
//   npm run cli -- finance liability --as-of 2026-03-31T23:59:59Z [--format csv --split expiryMonth]
//   npm run cli -- finance roll-forward --from 2026-01-01T00:00:00Z --to 2026-04-01T00:00:00Z [--by day|month] [--format csv]
//   npm run cli -- finance trial-balance --from ... --to ...
//   npm run cli -- finance breakage --from ... --to ... [--by month]
//   npm run cli -- audit seal
//   npm run cli -- audit verify [--anchor-position N --anchor-hash H]
//   npm run cli -- rules list | rules diff <version> --against <version> | rules submit <file.json> | rules schedule <version> --effective-from <instant>
//   npm run cli -- replay start --candidate <version> [--throttle <events/s>] [--projections balances,customer_profiles]
//   npm run cli -- replay watch|promote|rollback <replay id>
// Replays run in the API process (the one serving reads): `replay` talks to it over HTTP
// (--url, default http://127.0.0.1:$PORT; --api-key or LOYALTY_API_KEY, an ops key) and shows a progress bar.
// Results go to stdout (JSON or CSV), progress to stderr. Exit 0 on success, 1 when verify
// finds a break or drift, 2 on bad usage.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { FinanceReportService, LedgerAuditService, type ScanProgress } from '@loyalty/finance-audit';
import { toCsv } from '@loyalty/http-platform';
import { loadConfig, type AppConfig } from '../config/app-config';
import { auditKeyFrom, loadRuleBook, openLedgerStore } from '../composition/ledger-infrastructure.module';
import { openProjectionStore } from '../composition/projections.module';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { RulesCatalog, RulesLifecycleError } from '@loyalty/program-operations';
import { openOperationsStore } from '../composition/shared-stores';

const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export class UsageError extends Error {}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
  return value;
}

function instant(args: string[], name: string, required: boolean): string | undefined {
  const value = option(args, name);
  if (value === undefined) {
    if (required) throw new UsageError(`--${name} <ISO-8601 instant> is required`);
    return undefined;
  }
  if (!UTC_INSTANT.test(value) || Number.isNaN(Date.parse(value)))
    throw new UsageError(`--${name} must be an ISO-8601 date or instant, got ${JSON.stringify(value)}`);
  return new Date(value).toISOString();
}

function oneOf<T extends string>(args: string[], name: string, allowed: readonly T[], fallback: T): T {
  const value = option(args, name) ?? fallback;
  if (!allowed.includes(value as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** The second time axis: --at-position <position> and/or --known-at <instant>. */
function recordedCut(args: string[]): { atPosition?: bigint; knownAt?: string } {
  const atPosition = option(args, 'at-position');
  if (atPosition !== undefined && !/^\d{1,19}$/.test(atPosition)) throw new UsageError('--at-position must be a ledger position (digits)');
  const knownAt = instant(args, 'known-at', false);
  return { ...(atPosition !== undefined ? { atPosition: BigInt(atPosition) } : {}), ...(knownAt !== undefined ? { knownAt } : {}) };
}

function period(args: string[]): { from: string; to: string } {
  const from = instant(args, 'from', true) as string;
  const to = instant(args, 'to', true) as string;
  if (from >= to) throw new UsageError('--from must be before --to');
  return { from, to };
}

/** A one-line progress bar on stderr (only when it is a terminal, so logs stay clean). */
function progressBar(io: CliIo, tty: boolean): (p: ScanProgress) => void {
  const started = Date.now();
  return (p) => {
    if (!tty || p.head === 0n) return;
    const done = Number(p.position) / Number(p.head);
    const rate = p.events / Math.max((Date.now() - started) / 1000, 0.001);
    const width = 30;
    io.err(
      `\r[${'#'.repeat(Math.round(done * width)).padEnd(width, '.')}] ${(done * 100).toFixed(1)}% ${p.events.toLocaleString('en-US')} entries, ${Math.round(rate).toLocaleString('en-US')}/s `,
    );
  };
}

export async function runCli(argv: string[], config: AppConfig, io: CliIo, tty = false): Promise<number> {
  const [area, command, ...args] = argv;
  const format = () => oneOf(args, 'format', ['json', 'csv'] as const, 'json');
  const ledger = openLedgerStore(config);
  try {
    const progress = progressBar(io, tty);
    const print = (value: unknown, rows?: readonly Record<string, unknown>[]) =>
      io.out(format() === 'csv' && rows ? toCsv(rows) : `${JSON.stringify(value, null, 2)}\n`);
    if (area === 'finance') {
      const reports = new FinanceReportService(ledger, { current: () => loadRuleBook(config) });
      if (command === 'liability') {
        const asOf = instant(args, 'as-of', true) as string;
        const split = oneOf(args, 'split', ['summary', 'tier', 'lotAge', 'expiryMonth'] as const, 'summary');
        format();
        const customerId = option(args, 'customer');
        const report = await reports.liability(asOf, { ...recordedCut(args), ...(customerId !== undefined ? { customerId } : {}), onProgress: progress });
        const { byTier, byLotAge, byExpiryMonth, ...summary } = report;
        const table = split === 'tier' ? byTier : split === 'lotAge' ? byLotAge : split === 'expiryMonth' ? byExpiryMonth : [summary];
        print(report, table as unknown as Record<string, unknown>[]);
        return 0;
      }
      if (command === 'roll-forward' || command === 'breakage') {
        const { from, to } = period(args);
        const by = oneOf(args, 'by', ['day', 'month'] as const, 'month');
        format();
        if (command === 'roll-forward') {
          const report = await reports.rollForward(from, to, by, { ...recordedCut(args), onProgress: progress });
          print(report, report.rows as unknown as Record<string, unknown>[]);
        } else {
          const report = await reports.breakage(from, to, by, { ...recordedCut(args), onProgress: progress });
          print(report, report.periods);
        }
        return 0;
      }
      if (command === 'trial-balance') {
        const { from, to } = period(args);
        format();
        const report = await reports.trialBalance(from, to, { ...recordedCut(args), onProgress: progress });
        print(report, report.rows as unknown as Record<string, unknown>[]);
        return 0;
      }
      throw new UsageError(`unknown command: finance ${command ?? ''} (liability, roll-forward, trial-balance, breakage)`);
    }
    if (area === 'audit') {
      const key = auditKeyFrom(config, resolve(config.LOYALTY_DATA_DIR), new Logger('cli'));
      if (command === 'seal') {
        io.out(`${JSON.stringify(await new LedgerAuditService(ledger, key, null).seal(), null, 2)}\n`);
        return 0;
      }
      if (command === 'verify') {
        const position = option(args, 'anchor-position');
        const hash = option(args, 'anchor-hash');
        if ((position === undefined) !== (hash === undefined)) throw new UsageError('--anchor-position and --anchor-hash go together');
        if (position !== undefined && !/^\d+$/.test(position)) throw new UsageError('--anchor-position must be a ledger position (digits)');
        if (hash !== undefined && !/^[0-9a-f]{64}$/.test(hash)) throw new UsageError('--anchor-hash must be a sha256 hex digest');
        const projections = config.LEDGER_STORE === 'memory' ? null : openProjectionStore(config);
        try {
          const report = await new LedgerAuditService(ledger, key, projections).verify(
            position && hash ? { toPosition: position, entryHash: hash } : undefined,
            (done, head) => progress({ position: done, head, events: Number(done) }),
          );
          if (tty) io.err('\n');
          io.out(`${JSON.stringify(report, null, 2)}\n`);
          return report.ok ? 0 : 1;
        } finally {
          await projections?.close();
        }
      }
      throw new UsageError(`unknown command: audit ${command ?? ''} (seal, verify)`);
    }
    if (area === 'rules') return await rulesCommand(command, args, config, io);
    if (area === 'replay') return await replayCommand(command, args, config, io, tty);
    throw new UsageError(
      `unknown area: ${area ?? '(none)'}; usage: finance <liability|roll-forward|trial-balance|breakage> ... | audit <seal|verify> ... | rules ... | replay ...`,
    );
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    await ledger.close();
  }
}

async function rulesCommand(command: string | undefined, args: string[], config: AppConfig, io: CliIo): Promise<number> {
  const operations = openOperationsStore(config);
  const catalog = new RulesCatalog(
    operations,
    loadRuleBook(config)
      .all()
      .map((v) => v.rules),
    () => new Date(),
  );
  const actor = `cli:${process.env.USER ?? 'unknown'}`;
  const json = (value: unknown) => io.out(`${JSON.stringify(value, null, 2)}\n`);
  try {
    if (command === 'list') json(await catalog.list());
    else if (command === 'diff') {
      const version = Number(args[0]);
      const against = Number(option(args, 'against'));
      if (!Number.isInteger(version) || !Number.isInteger(against)) throw new UsageError('usage: rules diff <version> --against <version>');
      const diff = await catalog.diff(version, against);
      io.out(`${diff.lines.join('\n')}\n`);
    } else if (command === 'submit') {
      if (!args[0]) throw new UsageError('usage: rules submit <file.json>');
      json(await catalog.submit(JSON.parse(readFileSync(args[0], 'utf8')), actor));
    } else if (command === 'schedule') {
      const version = Number(args[0]);
      const at = instant(args, 'effective-from', true) as string;
      if (!Number.isInteger(version)) throw new UsageError('usage: rules schedule <version> --effective-from <instant>');
      json(await catalog.schedule(version, at, actor));
    } else throw new UsageError(`unknown command: rules ${command ?? ''} (list, diff, submit, schedule)`);
    return 0;
  } catch (error) {
    if (error instanceof RulesLifecycleError) {
      io.err(`${error.code}: ${error.message}${error.fieldErrors.map((e) => `\n  - ${e.path}: ${e.message}`).join('')}\n`);
      return 1;
    }
    throw error;
  } finally {
    await operations.close();
  }
}

async function replayCommand(command: string | undefined, args: string[], config: AppConfig, io: CliIo, tty: boolean): Promise<number> {
  const url = (option(args, 'url') ?? `http://127.0.0.1:${config.PORT}`).replace(/\/$/, '');
  const key = option(args, 'api-key') ?? process.env.LOYALTY_API_KEY;
  if (!key) throw new UsageError('replay commands need an ops API key: --api-key <key> or LOYALTY_API_KEY');
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new UsageError(`${method} ${path}: ${res.status} ${String(payload.code ?? '')} ${String(payload.detail ?? payload.title ?? '')}`);
    return payload;
  };
  const watch = async (id: string): Promise<number> => {
    for (;;) {
      const replay = await call('GET', `/v1/replays/${id}`);
      const p = replay.progress as { eventsDone: number; head: string; position: string; ratePerSecond: number; etaSeconds: number | null };
      if (tty) {
        // A rebuild by stream reaches no position before its end: its share of events done shows instead.
        const passes = Math.max(Object.keys((replay.keys as Record<string, string> | undefined) ?? {}).length, 1);
        const done = Number(p.head) > 0 ? Math.min(Math.max(Number(p.position) / Number(p.head), p.eventsDone / (Number(p.head) * passes)), 1) : 1;
        io.err(
          `\r[${'#'.repeat(Math.round(done * 30)).padEnd(30, '.')}] ${(done * 100).toFixed(1)}% ${p.eventsDone.toLocaleString('en-US')} events, ${p.ratePerSecond.toLocaleString('en-US')}/s, ETA ${p.etaSeconds ?? '?'} s `,
        );
      }
      if (replay.status !== 'running') {
        if (tty) io.err('\n');
        io.out(`${JSON.stringify(replay, null, 2)}\n`);
        return replay.status === 'failed' ? 1 : 0;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  if (command === 'start') {
    const candidate = Number(option(args, 'candidate'));
    if (!Number.isInteger(candidate) || candidate < 1) throw new UsageError('--candidate <version> is required');
    const throttle = option(args, 'throttle');
    const projections = option(args, 'projections');
    const started = await call('POST', '/v1/replays', {
      candidateVersion: candidate,
      ...(throttle ? { throttleEventsPerSecond: Number(throttle) } : {}),
      ...(projections ? { projections: projections.split(',') } : {}),
    });
    io.err(`replay ${String(started.id)} started\n`);
    return watch(String(started.id));
  }
  const id = args[0];
  if (!id || !/^r-\d{14}-[0-9a-f]{6}$/.test(id)) throw new UsageError(`usage: replay ${command ?? '<watch|promote|rollback>'} <replay id>`);
  if (command === 'watch') return watch(id);
  if (command === 'promote' || command === 'rollback') {
    io.out(`${JSON.stringify(await call('POST', `/v1/replays/${id}/${command}`), null, 2)}\n`);
    return 0;
  }
  throw new UsageError(`unknown command: replay ${command ?? ''} (start, watch, promote, rollback)`);
}

if (require.main === module) {
  Logger.overrideLogger(['error']);
  runCli(process.argv.slice(2), loadConfig(), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }, process.stderr.isTTY === true)
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
