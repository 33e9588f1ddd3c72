import { KafkaConfigError, loadKafkaIngestionConfig } from './kafka-ingestion.config';

describe('loadKafkaIngestionConfig', () => {
  it('is off (null) without KAFKA_BROKERS', () => {
    expect(loadKafkaIngestionConfig({})).toBeNull();
  });

  it('applies the defaults and builds the kafkajs client settings', () => {
    const config = loadKafkaIngestionConfig({ KAFKA_BROKERS: 'k1:9092,k2:9092' })!;
    expect(config).toMatchObject({ KAFKA_CHUNK_SIZE: 2000, KAFKA_TOPIC_PREFIX: '' });
    expect(config?.groupId()).toBe('loyalty-ledger-ingestion');
    expect(config.clientConfig()).toEqual({ clientId: 'loyalty-ledger', brokers: ['k1:9092', 'k2:9092'], ssl: false });
    expect(config.topic('loyalty.purchases.v1')).toBe('loyalty.purchases.v1');
  });

  it('prefixes the default consumer group like the topics, so that two deployments on one cluster never share a group', () => {
    const staging = loadKafkaIngestionConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_TOPIC_PREFIX: 'staging.' })!;
    expect(staging.groupId()).toBe('staging.loyalty-ledger-ingestion');
    expect(staging.topic('loyalty.purchases.v1')).toBe('staging.loyalty.purchases.v1');
    expect(loadKafkaIngestionConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_TOPIC_PREFIX: 'staging.', KAFKA_GROUP_ID: 'mine' })!.groupId()).toBe('mine');
  });

  it('names every bad variable, and never prints a password', () => {
    const attempt = () =>
      loadKafkaIngestionConfig({
        KAFKA_BROKERS: 'localhost',
        KAFKA_CHUNK_SIZE: 'many',
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: 'ledger',
        KAFKA_SASL_PASSWORD: '',
        KAFKA_SESSION_TIMEOUT_MS: '1000',
      });
    expect(attempt).toThrow(KafkaConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('KAFKA_BROKERS="localhost": KAFKA_BROKERS must be host:port');
      expect(message).toContain('KAFKA_CHUNK_SIZE="many"');
      expect(message).toContain('KAFKA_SESSION_TIMEOUT_MS="1000"');
      expect(message).toContain('KAFKA_SASL_PASSWORD:');
    }
  });

  it('passes SASL and TLS settings to the client, and prefixes topics', () => {
    const config = loadKafkaIngestionConfig({
      KAFKA_BROKERS: 'k:9093',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'secret',
      KAFKA_TOPIC_PREFIX: 'staging.',
    })!;
    expect(config.clientConfig()).toMatchObject({ ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'secret' } });
    expect(config.topic('loyalty.purchases.v1')).toBe('staging.loyalty.purchases.v1');
    expect(config.logicalTopic('staging.loyalty.purchases.v1')).toBe('loyalty.purchases.v1');
  });
});
