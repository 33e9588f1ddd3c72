import { Global, Logger, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { OPERATIONS_STORE, OperationsReadView, RulesCatalog, type OperationsStore } from '@loyalty/program-operations';
import { openIdempotencyStore, openOperationsStore } from './shared-stores';
import { READ_VIEW } from '@loyalty/loyalty-analytics';
import { Inject } from '@nestjs/common';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { FolderWriterLock, preparePrivateDir, PRIVATE_FILE_MODE } from '@loyalty/sqlite-support';
import { join, resolve } from 'node:path';
import { EventStoreDbEventStore, InMemoryEventStore, SqliteEventStore, type EventStore } from '@loyalty/event-store';
import { CLOCK, EVENT_STORE, LEDGER_WRITER_OPTIONS, RULE_BOOK_SOURCE, systemClock, type RuleBookSource } from '@loyalty/ledger-application';
import { ApiKeyRegistry, IdempotencyStore, LoyaltyMetrics } from '@loyalty/http-platform';
import { defaultProgramRules, parseProgramRulesFile, RuleBook } from '@loyalty/program-rules';
import { AUDIT_KEY, auditKey, latestEffectiveAt, LedgerSealer, SealingThread, type AuditKey, type Sealer } from '@loyalty/finance-audit';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { AppConfig, dataFile } from '../config/app-config';
import { LEDGER_SEALING, LedgerSealing, sealsTheLedger } from './ledger-sealing.module';

const FOLDER_WRITER_LOCK = Symbol('FOLDER_WRITER_LOCK');

/** Builds the stores, rules, keys and clock from the configuration: the composition root. */
@Global()
@Module({})
export class LedgerInfrastructureModule implements OnModuleInit, OnApplicationShutdown {
  private refresher: NodeJS.Timeout | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly idempotency: IdempotencyStore,
    private readonly catalog: RulesCatalog,
    @Inject(READ_VIEW) private readonly readView: OperationsReadView,
    @Inject(OPERATIONS_STORE) private readonly operations: OperationsStore,
    @Inject(FOLDER_WRITER_LOCK) private readonly writerLock: FolderWriterLock | null,
    @Inject(LEDGER_SEALING) private readonly sealing: LedgerSealing | null,
  ) {}

  /** Before anything decides: the scheduled rules versions and the promoted read view; then kept fresh (another process may change them). */
  async onModuleInit(): Promise<void> {
    await this.catalog.refresh();
    await this.readView.refresh();
    this.refresher = setInterval(() => void Promise.all([this.catalog.refresh(), this.readView.refresh()]).catch(() => undefined), RULES_REFRESH_MS);
    this.refresher.unref();
  }

  static forConfig(config: AppConfig): DynamicModule {
    const logger = new Logger('startup');
    const dataDir = resolve(config.LOYALTY_DATA_DIR);
    const writerLock = takesEmbeddedWriterLock(config) ? FolderWriterLock.acquire(dataDir, config.LOYALTY_ROLE) : null;
    const store = openLedgerStore(config);
    const idempotency = openIdempotencyStore(config);

    const metrics = new LoyaltyMetrics();
    const integrityProblems = store.integrityProblems ?? [];
    metrics.ledgerIntegrity.set(integrityProblems.length === 0 ? 1 : 0);
    if (integrityProblems.length > 0)
      logger.error({
        msg: 'the ledger refuses writes: its safeguards were changed since it was created; verify it before restoring them',
        problems: integrityProblems,
      });

    const ruleBook = loadRuleBook(config);
    const rules = ruleBook.all().map((v) => v.rules);
    const latest = ruleBook.latest().reference;
    logger.log({
      msg: 'rules loaded',
      program: latest.id,
      versions: rules.map((r) => r.version),
      latestHash: latest.hash,
      source: config.LOYALTY_RULES_FILE ?? 'shipped defaults',
    });

    const audit = auditKeyFrom(config, dataDir, logger);
    // Key ids (logs, provenance) are HMACs under a secret derived from the audit key: the ledger alone does not let anyone test key guesses.
    const keyIdSecret = createHmac('sha256', audit.secret).update('loyalty api key ids').digest('hex');
    let registry: ApiKeyRegistry;
    if (config.LOYALTY_API_KEYS) registry = ApiKeyRegistry.parse(config.LOYALTY_API_KEYS, keyIdSecret);
    else {
      preparePrivateDir(dataDir);
      const keyFile = join(dataDir, 'dev-admin-key');
      const kept = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined;
      const dev = ApiKeyRegistry.development(keyIdSecret, kept);
      registry = dev.registry;
      if (dev.adminKey !== kept) writeFileSync(keyFile, dev.adminKey, { mode: PRIVATE_FILE_MODE });
      chmodSync(keyFile, PRIVATE_FILE_MODE);
      logger.warn({
        msg: `LOYALTY_API_KEYS is not set: development mode with ${dev.adminKey === kept ? 'the admin key kept in' : 'a new admin key written to'} the data folder`,
        adminKey: dev.adminKey,
        keyFile,
      });
    }

    // Operations' records (rules versions, replays, audit trail); the ledger decides with the base rules plus every scheduled version.
    const operations: OperationsStore = openOperationsStore(config);
    // A version for the past is checked against the ledger's latest business time (a scan: a rare operation).
    const catalog = new RulesCatalog(operations, rules, () => systemClock.now(), { latestEffectiveAt: () => latestEffectiveAt(store) });
    const readView = new OperationsReadView(operations, catalog);
    const ruleBookSource: RuleBookSource = { current: () => catalog.ruleBook() };
    logger.log({
      msg: 'ledger store opened',
      store: config.LEDGER_STORE,
      ...(config.LEDGER_STORE === 'sqlite' ? { dataDir, synchronous: config.LEDGER_SQLITE_SYNCHRONOUS } : {}),
      ...(config.LEDGER_STORE === 'eventstoredb' ? { eventstore: config.EVENTSTORE_CONNECTION_STRING?.replace(/\/\/[^@/]*@/, '//***@') } : {}),
    });
    const providers = [
      { provide: AppConfig, useValue: config },
      { provide: EVENT_STORE, useValue: store },
      { provide: RULE_BOOK_SOURCE, useValue: ruleBookSource },
      { provide: CLOCK, useValue: systemClock },
      {
        provide: LEDGER_WRITER_OPTIONS,
        useValue: {
          cacheCapacity: config.ACCOUNT_CACHE_SIZE,
          futureToleranceMs: config.LOYALTY_FUTURE_TOLERANCE_SECONDS * 1000,
          warmUp: config.LOYALTY_ROLE !== 'projector' && config.LOYALTY_ROLE !== 'notifier' && config.LEDGER_STORE !== 'memory',
        },
      },
      { provide: ApiKeyRegistry, useValue: registry },
      { provide: IdempotencyStore, useValue: idempotency },
      { provide: LoyaltyMetrics, useValue: metrics },
      { provide: AUDIT_KEY, useValue: audit },
      { provide: OPERATIONS_STORE, useValue: operations },
      { provide: RulesCatalog, useValue: catalog },
      { provide: READ_VIEW, useValue: readView },
      { provide: FOLDER_WRITER_LOCK, useValue: writerLock },
      { provide: LEDGER_SEALING, useValue: sealsTheLedger(config) ? new LedgerSealing(sealerFor(config, store, audit), audit, metrics) : null },
    ];
    return { module: LedgerInfrastructureModule, providers, exports: providers.map((p) => p.provide) };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.refresher) clearInterval(this.refresher);
    await this.operations.close();
    await this.idempotency.close();
    // The last write: everything the process wrote is under a seal (and its sign-off logged) when it stops.
    await this.sealing?.sealNow('shutdown');
    await this.sealing?.close();
    await this.store.close();
    this.writerLock?.release();
  }
}

/**
 * The roles that take commands (HTTP, Kafka) decide from a cached account state, so one such
 * process per embedded ledger: a second one refuses to start. The projector role may share
 * the folder with it (its own writes, seals and expiry entries, go through expected revisions).
 */
function takesEmbeddedWriterLock(config: AppConfig): boolean {
  return config.LEDGER_STORE === 'sqlite' && config.LOYALTY_ROLE !== 'projector' && config.LOYALTY_ROLE !== 'notifier';
}

/** How often every process re-reads the scheduled rules versions and the read view (a schedule must be further ahead than this). */
export const RULES_REFRESH_MS = 5_000;

/** The ledger's event store, as configured (also used by the CLI). */
export function openLedgerStore(config: AppConfig): EventStore {
  if (config.LEDGER_STORE === 'memory') return new InMemoryEventStore();
  if (config.LEDGER_STORE === 'eventstoredb') return EventStoreDbEventStore.fromConnectionString(config.EVENTSTORE_CONNECTION_STRING ?? '');
  return new SqliteEventStore({
    file: dataFile(config, 'ledger.sqlite'),
    synchronous: config.LEDGER_SQLITE_SYNCHRONOUS,
    cacheMiB: config.LEDGER_SQLITE_CACHE_MIB,
    onThreadFailure: (error) => new Logger('ledger').error({ msg: 'a ledger thread failed: its work goes on in the main thread', error: error.message }),
  });
}

/** An embedded ledger is sealed in a thread of its own (its own connection); any other here. */
function sealerFor(config: AppConfig, store: EventStore, audit: AuditKey): Sealer {
  const clock = () => systemClock.now();
  if (config.LEDGER_STORE !== 'sqlite') return new LedgerSealer(store, audit, clock);
  return new SealingThread(store, dataFile(config, 'ledger.sqlite'), audit, clock, (error) =>
    new Logger('ledger-sealer').error({ msg: 'the sealing thread failed: sealing goes on in the main thread', error: error.message }),
  );
}

/** Every rules version: from LOYALTY_RULES_FILE, else the shipped defaults. */
export function loadRuleBook(config: AppConfig): RuleBook {
  return new RuleBook(
    config.LOYALTY_RULES_FILE ? parseProgramRulesFile(readFileSync(config.LOYALTY_RULES_FILE, 'utf8'), config.LOYALTY_RULES_FILE) : [defaultProgramRules()],
  );
}

/**
 * The key that signs the ledger digests. Production sets LOYALTY_AUDIT_KEY (and keeps it away
 * from whoever can write the database); development generates one and keeps it in the data folder.
 */
export function auditKeyFrom(config: AppConfig, dataDir: string, logger: Logger): AuditKey {
  if (config.LOYALTY_AUDIT_KEY) return auditKey(config.LOYALTY_AUDIT_KEY);
  if (config.LEDGER_STORE === 'memory') return auditKey(randomBytes(32).toString('hex'));
  const keyFile = join(dataDir, 'dev-audit-key');
  preparePrivateDir(dataDir);
  if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: PRIVATE_FILE_MODE });
  chmodSync(keyFile, PRIVATE_FILE_MODE);
  const key = auditKey(readFileSync(keyFile, 'utf8').trim());
  logger.warn({ msg: 'LOYALTY_AUDIT_KEY is not set: development audit key from the data folder', keyFile, keyId: key.keyId });
  return key;
}
