import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateIf, validateSync } from 'class-validator';
import type { KafkaConfig, SASLOptions } from 'kafkajs';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);

/** Kafka settings from the environment, validated before the consumer starts. */
export class KafkaIngestionConfig {
  /** host:port[,host:port...] */
  @Matches(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port...]' }) KAFKA_BROKERS!: string;
  @IsString() @MinLength(1) KAFKA_CLIENT_ID = 'loyalty-ledger';
  /** Default: KAFKA_TOPIC_PREFIX + loyalty-ledger-ingestion, so that two deployments on one cluster never share a group. */
  @IsOptional() @IsString() @MinLength(1) KAFKA_GROUP_ID?: string;
  /** Prefixed to every topic name of the catalog (e.g. "staging."), for shared clusters and tests. */
  @IsString() @Matches(/^[A-Za-z0-9._-]*$/, { message: 'KAFKA_TOPIC_PREFIX may hold letters, digits, . _ -' }) KAFKA_TOPIC_PREFIX = '';
  /** Create missing topics at start (development); off when topics are managed elsewhere. */
  @IsIn(['true', 'false']) KAFKA_CREATE_TOPICS: 'true' | 'false' = 'true';
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) KAFKA_TOPIC_PARTITIONS = 4;
  /** Commands per ledger append inside a fetched batch. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000) KAFKA_CHUNK_SIZE = 2000;
  /** Two: one partition's chunk is decided while another's waits on the ledger writer or the decoder thread. */
  @Transform(toInt) @IsInt() @Min(1) @Max(64) KAFKA_PARTITIONS_CONCURRENTLY = 2;
  /** Decode and validate messages in a thread of their own (the next chunk while the ledger takes this one). */
  @IsIn(['true', 'false']) KAFKA_DECODE_THREAD: 'true' | 'false' = 'true';
  /** How long the group waits for a silent member before handing its partitions to others. */
  @Transform(toInt) @IsInt() @Min(6_000) @Max(300_000) KAFKA_SESSION_TIMEOUT_MS = 30_000;
  @Transform(toInt) @IsInt() @Min(6_000) @Max(600_000) KAFKA_REBALANCE_TIMEOUT_MS = 60_000;
  /** How often the consumer measures its lag (committed offsets against the partitions' ends). */
  @Transform(toInt) @IsInt() @Min(500) @Max(600_000) KAFKA_LAG_INTERVAL_MS = 5_000;
  @IsIn(['true', 'false']) KAFKA_SSL: 'true' | 'false' = 'false';
  @IsOptional() @IsIn(['plain', 'scram-sha-256', 'scram-sha-512']) KAFKA_SASL_MECHANISM?: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  @ValidateIf((c: KafkaIngestionConfig) => c.KAFKA_SASL_MECHANISM !== undefined) @IsString() @MinLength(1) KAFKA_SASL_USERNAME?: string;
  @ValidateIf((c: KafkaIngestionConfig) => c.KAFKA_SASL_MECHANISM !== undefined) @IsString() @MinLength(1) KAFKA_SASL_PASSWORD?: string;

  topic(name: string): string {
    return `${this.KAFKA_TOPIC_PREFIX}${name}`;
  }

  /** The consumer group: KAFKA_GROUP_ID, or the prefixed default. */
  groupId(): string {
    return this.KAFKA_GROUP_ID ?? `${this.KAFKA_TOPIC_PREFIX}loyalty-ledger-ingestion`;
  }

  /** The catalog's name of a prefixed topic. */
  logicalTopic(actual: string): string {
    return actual.startsWith(this.KAFKA_TOPIC_PREFIX) ? actual.slice(this.KAFKA_TOPIC_PREFIX.length) : actual;
  }

  clientConfig(): KafkaConfig {
    const sasl: SASLOptions | undefined = this.KAFKA_SASL_MECHANISM
      ? ({ mechanism: this.KAFKA_SASL_MECHANISM, username: this.KAFKA_SASL_USERNAME ?? '', password: this.KAFKA_SASL_PASSWORD ?? '' } as SASLOptions)
      : undefined;
    return { clientId: this.KAFKA_CLIENT_ID, brokers: this.KAFKA_BROKERS.split(','), ssl: this.KAFKA_SSL === 'true', ...(sasl ? { sasl } : {}) };
  }
}

export class KafkaConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid Kafka configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'KafkaConfigError';
  }
}

/** The Kafka configuration, or null when KAFKA_BROKERS is not set (ingestion off). */
export function loadKafkaIngestionConfig(env: NodeJS.ProcessEnv = process.env): KafkaIngestionConfig | null {
  if (!env.KAFKA_BROKERS) return null;
  const relevant = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('KAFKA_') && v !== undefined && v !== ''));
  const config = plainToInstance(KafkaIngestionConfig, relevant);
  const errors = validateSync(config);
  if (errors.length > 0) {
    throw new KafkaConfigError(
      errors.map(
        (e) =>
          `${e.property}${e.property.includes('PASSWORD') ? '' : `=${JSON.stringify(relevant[e.property])}`}: ${Object.values(e.constraints ?? {}).join('; ')}`,
      ),
    );
  }
  return config;
}
