import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import { ApiKeyRegistry } from '@loyalty/http-platform';
import { parseProgramRulesFile } from '@loyalty/program-rules';
import { KafkaConfigError, loadKafkaIngestionConfig, type KafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateIf, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);

/** The process configuration, from the environment, validated before anything starts. */
export class AppConfig {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3000;
  @IsString() @MinLength(1) LOYALTY_DATA_DIR = './data';
  /** `key:role[+role...]` items separated by commas; unset = development mode with a generated admin key. */
  @IsOptional() @IsString() LOYALTY_API_KEYS?: string;
  /** sqlite: the embedded default; eventstoredb: scale-out (needs EVENTSTORE_CONNECTION_STRING); memory: tests. */
  @IsIn(['sqlite', 'memory', 'eventstoredb']) LEDGER_STORE: 'sqlite' | 'memory' | 'eventstoredb' = 'sqlite';
  @ValidateIf((c: AppConfig) => c.LEDGER_STORE === 'eventstoredb' || c.EVENTSTORE_CONNECTION_STRING !== undefined)
  @Matches(/^esdb(\+discover)?:\/\/\S+$/, {
    message: 'EVENTSTORE_CONNECTION_STRING must be an esdb:// or esdb+discover:// connection string (required with LEDGER_STORE=eventstoredb)',
  })
  EVENTSTORE_CONNECTION_STRING?: string;
  @IsIn(['FULL', 'NORMAL', 'EXTRA']) LEDGER_SQLITE_SYNCHRONOUS: 'FULL' | 'NORMAL' | 'EXTRA' = 'FULL';
  /** The page cache of each ledger connection (the writer thread's among them), in MiB. */
  @Transform(toInt) @IsInt() @Min(2) @Max(65_536) LEDGER_SQLITE_CACHE_MIB = 64;
  /** A JSON file of one rules version or an array of versions; unset = the shipped defaults. */
  @IsOptional() @IsString() LOYALTY_RULES_FILE?: string;
  @IsIn(['debug', 'info', 'warn', 'error']) LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' = 'info';
  @Transform(toInt) @IsInt() @Min(0) ACCOUNT_CACHE_SIZE = 100_000;
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  /** Where the read models live: sqlite (embedded, in LOYALTY_DATA_DIR) or postgres (shared by API instances). */
  @IsIn(['sqlite', 'postgres']) READ_MODEL_STORE: 'sqlite' | 'postgres' = 'sqlite';
  @ValidateIf((c: AppConfig) => c.READ_MODEL_STORE === 'postgres' || c.READ_MODEL_POSTGRES_URL !== undefined)
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'READ_MODEL_POSTGRES_URL must be a postgres:// URL (required with READ_MODEL_STORE=postgres)' })
  READ_MODEL_POSTGRES_URL?: string;
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'READ_MODEL_POSTGRES_SCHEMA must be a lowercase SQL identifier' }) READ_MODEL_POSTGRES_SCHEMA = 'read_models';
  /**
   * all: the HTTP API and the projector, plus Kafka ingestion when KAFKA_BROKERS is set (the
   * embedded default); api: the HTTP API only; ingestion-worker: Kafka ingestion only;
   * projector: the projections only. The last two serve /health and /metrics alone.
   */
  /** The HMAC secret that signs the ledger digests (tamper evidence); required in production. */
  @IsOptional() @IsString() @MinLength(16, { message: 'LOYALTY_AUDIT_KEY must be at least 16 characters' }) LOYALTY_AUDIT_KEY?: string;
  /** How often the projector seals the ledger (signed digest of new entries), and once more at a graceful stop; 0 = never (seal by POST /v1/audit/seal). */
  @Transform(toInt) @IsInt() @Min(0) LOYALTY_SEAL_INTERVAL_SECONDS = 10;
  /** How often the projector role runs the expiry job (0 = only when asked: POST /v1/expiry-runs). */
  @Transform(toInt) @IsInt() @Min(0) LOYALTY_EXPIRY_INTERVAL_SECONDS = 300;
  /** How far ahead of this process's clock a command's business time may be (clock skew); later ones are refused with LEDGER.FUTURE_TIME. */
  @Transform(toInt) @IsInt() @Min(0) @Max(86_400) LOYALTY_FUTURE_TOLERANCE_SECONDS = 300;
  /** HTTP requests a second per API key, and per source address (429 with Retry-After beyond); 0 = no limit. */
  @Transform(toInt) @IsInt() @Min(0) LOYALTY_RATE_LIMIT_PER_KEY = 10_000;
  @Transform(toInt) @IsInt() @Min(0) LOYALTY_RATE_LIMIT_PER_ADDRESS = 10_000;
  /** Failed authentications (wrong keys) a minute per source address; past it the address is refused for a minute; 0 = no limit. */
  @Transform(toInt) @IsInt() @Min(0) LOYALTY_FAILED_AUTH_LIMIT = 100;
  /** Replays catching up at once (a start beyond is refused, 409 REPLAY.TOO_MANY_RUNNING). */
  @Transform(toInt) @IsInt() @Min(1) @Max(100) LOYALTY_MAX_CONCURRENT_REPLAYS = 2;
  /** The throttle of a replay started without its own (events per second). */
  @Transform(toInt) @IsInt() @Min(100) LOYALTY_REPLAY_THROTTLE_EVENTS_PER_SECOND = 20_000;
  /** Predictive customer value (BG/NBD + Gamma-Gamma): the model's period in days, the CLV horizon in days and yearly discount rate in percent. */
  @Transform(toInt) @IsInt() @Min(1) @Max(366) LOYALTY_CLV_PERIOD_DAYS = 7;
  @Transform(toInt) @IsInt() @Min(30) @Max(3660) LOYALTY_CLV_HORIZON_DAYS = 360;
  @Transform(toInt) @IsInt() @Min(0) @Max(100) LOYALTY_CLV_DISCOUNT_PERCENT = 10;
  /** How often an API instance refits the customer value model on the history up to then (0 = only when asked: POST /v1/analytics/customer-value/model/fit). */
  @Transform(toInt) @IsInt() @Min(0) LOYALTY_CLV_REFIT_INTERVAL_SECONDS = 86_400;
  /** Outbound notifications (role all): on by default. */
  @IsIn(['true', 'false']) LOYALTY_NOTIFICATIONS: 'true' | 'false' = 'true';
  /** How often the time-driven notifications are scanned for (points available or expiring, tier drops, segments). */
  @Transform(toInt) @IsInt() @Min(1) LOYALTY_NOTIFICATION_SCAN_INTERVAL_SECONDS = 300;
  /** Days before a lot's expiry at which points.expiring is sent, comma-separated. */
  @Matches(/^\d{1,4}(,\d{1,4})*$/, { message: 'LOYALTY_NOTIFY_EXPIRING_DAYS must be days, comma-separated (e.g. 30,7)' }) LOYALTY_NOTIFY_EXPIRING_DAYS = '30,7';
  /** From how many days before a tier drop the customer is warned. */
  @Transform(toInt) @IsInt() @Min(1) @Max(366) LOYALTY_NOTIFY_DOWNGRADE_WARNING_DAYS = 30;
  /** Webhook URLs may be http (development); in production they must be https unless this is true. */
  @IsOptional() @IsIn(['true', 'false']) LOYALTY_WEBHOOKS_ALLOW_HTTP?: 'true' | 'false';
  /** An attempt without an answer within this many ms is retried. */
  @Transform(toInt) @IsInt() @Min(100) @Max(120_000) LOYALTY_WEBHOOK_TIMEOUT_MS = 10_000;
  /** Retry delays in ms, comma-separated (default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). */
  @IsOptional()
  @Matches(/^\d{1,9}(,\d{1,9})*$/, { message: 'LOYALTY_WEBHOOK_RETRY_SCHEDULE_MS must be delays in ms, comma-separated' })
  LOYALTY_WEBHOOK_RETRY_SCHEDULE_MS?: string;
  @IsIn(['all', 'api', 'ingestion-worker', 'projector', 'notifier']) LOYALTY_ROLE: 'all' | 'api' | 'ingestion-worker' | 'projector' | 'notifier' = 'all';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Variables whose values are secrets: named in a problem, never printed. */
const SECRET = /KEY|PASSWORD|SECRET|URL|CONNECTION_STRING/;

/**
 * The process configuration, or a ConfigError naming every bad variable at once (values,
 * beside the secrets' ones): an operator fixes a deployment in one round, not one variable a
 * restart. Besides each variable's own form: the production requirements, the API key list
 * and the rules file (read and validated here, before anything starts).
 */
/** A file of the data folder (LOYALTY_DATA_DIR), as an absolute path: one place that knows where the embedded stores live. */
export function dataFile(config: AppConfig, name: string): string {
  return join(resolve(config.LOYALTY_DATA_DIR), name);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const { config, problems } = checkConfig(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The configuration and every problem with it (see loadConfig). */
export function checkConfig(env: NodeJS.ProcessEnv): { config: AppConfig; problems: string[] } {
  const known = Object.keys(new AppConfig());
  const relevant: Record<string, string> = {};
  for (const key of [
    ...known,
    'LOYALTY_API_KEYS',
    'LOYALTY_AUDIT_KEY',
    'LOYALTY_RULES_FILE',
    'NODE_ENV',
    'LOYALTY_ROLE',
    'EVENTSTORE_CONNECTION_STRING',
    'READ_MODEL_POSTGRES_URL',
  ]) {
    const value = env[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const config = plainToInstance(AppConfig, relevant);
  const shown = (name: string) => (SECRET.test(name) ? '' : `=${JSON.stringify(relevant[name] ?? null)}`);
  const problems = validateSync(config, { whitelist: true }).map((e) => `${e.property}${shown(e.property)}: ${Object.values(e.constraints ?? {}).join('; ')}`);
  if (config.NODE_ENV === 'production' && !config.LOYALTY_API_KEYS)
    problems.push('LOYALTY_API_KEYS must be set in production (no development key is generated)');
  if (config.NODE_ENV === 'production' && !config.LOYALTY_AUDIT_KEY && config.LEDGER_STORE !== 'memory')
    problems.push('LOYALTY_AUDIT_KEY must be set in production (it signs the ledger digests)');
  if (config.LOYALTY_API_KEYS) {
    try {
      ApiKeyRegistry.parse(config.LOYALTY_API_KEYS, 'configuration-check-only');
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (config.LOYALTY_RULES_FILE) {
    try {
      parseProgramRulesFile(readFileSync(config.LOYALTY_RULES_FILE, 'utf8'), config.LOYALTY_RULES_FILE);
    } catch (error) {
      problems.push(`LOYALTY_RULES_FILE=${JSON.stringify(config.LOYALTY_RULES_FILE)}: ${(error as Error).message}`);
    }
  }
  return { config, problems };
}

/** The app's and Kafka's configuration together: every bad variable of both in one ConfigError. */
export function loadStartupConfiguration(env: NodeJS.ProcessEnv = process.env): { config: AppConfig; kafka: KafkaIngestionConfig | null } {
  const { config, problems } = checkConfig(env);
  let kafka: KafkaIngestionConfig | null = null;
  try {
    kafka = loadKafkaIngestionConfig(env);
  } catch (error) {
    if (!(error instanceof KafkaConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, kafka };
}
