import { Global, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EventStoreDbEventStore, InMemoryEventStore, SqliteEventStore, type EventStore } from '@loyalty/event-store';
import { CLOCK, EVENT_STORE, LEDGER_WRITER_OPTIONS, RULE_BOOK_SOURCE, systemClock, type RuleBookSource } from '@loyalty/ledger-application';
import { ApiKeyRegistry, IdempotencyStore, InMemoryIdempotencyStore, LoyaltyMetrics, SqliteIdempotencyStore } from '@loyalty/http-platform';
import { defaultProgramRules, parseProgramRulesFile, RuleBook } from '@loyalty/program-rules';
import { AppConfig } from '../config/app-config';

/** Builds the stores, rules, keys and clock from the configuration: the composition root. */
@Global()
@Module({})
export class LedgerInfrastructureModule implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly idempotency: IdempotencyStore,
  ) {}

  static forConfig(config: AppConfig): DynamicModule {
    const logger = new Logger('startup');
    const dataDir = resolve(config.LOYALTY_DATA_DIR);
    const store: EventStore =
      config.LEDGER_STORE === 'memory'
        ? new InMemoryEventStore()
        : config.LEDGER_STORE === 'eventstoredb'
          ? EventStoreDbEventStore.fromConnectionString(config.EVENTSTORE_CONNECTION_STRING ?? '')
          : new SqliteEventStore({ file: join(dataDir, 'ledger.sqlite'), synchronous: config.LEDGER_SQLITE_SYNCHRONOUS });
    const idempotency = config.LEDGER_STORE === 'memory' ? new InMemoryIdempotencyStore() : new SqliteIdempotencyStore(join(dataDir, 'http-idempotency.sqlite'));

    const rules = config.LOYALTY_RULES_FILE
      ? parseProgramRulesFile(readFileSync(config.LOYALTY_RULES_FILE, 'utf8'), config.LOYALTY_RULES_FILE)
      : [defaultProgramRules()];
    const ruleBook = new RuleBook(rules);
    const latest = ruleBook.latest().reference;
    logger.log({ msg: 'rules loaded', program: latest.id, versions: rules.map((r) => r.version), latestHash: latest.hash, source: config.LOYALTY_RULES_FILE ?? 'shipped defaults' });

    let registry: ApiKeyRegistry;
    if (config.LOYALTY_API_KEYS) registry = ApiKeyRegistry.parse(config.LOYALTY_API_KEYS);
    else {
      const dev = ApiKeyRegistry.development();
      registry = dev.registry;
      mkdirSync(dataDir, { recursive: true });
      const keyFile = join(dataDir, 'dev-admin-key');
      writeFileSync(keyFile, dev.adminKey, { mode: 0o600 });
      logger.warn({ msg: 'LOYALTY_API_KEYS is not set: development mode with a generated admin key', adminKey: dev.adminKey, keyFile });
    }

    const ruleBookSource: RuleBookSource = { current: () => ruleBook };
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
      { provide: LEDGER_WRITER_OPTIONS, useValue: { cacheCapacity: config.ACCOUNT_CACHE_SIZE } },
      { provide: ApiKeyRegistry, useValue: registry },
      { provide: IdempotencyStore, useValue: idempotency },
      { provide: LoyaltyMetrics, useValue: new LoyaltyMetrics() },
    ];
    return { module: LedgerInfrastructureModule, providers, exports: providers.map((p) => p.provide) };
  }

  async onApplicationShutdown(): Promise<void> {
    this.idempotency.close();
    await this.store.close();
  }
}
