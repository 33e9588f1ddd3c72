import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/** The process's Prometheus metrics, exposed at GET /metrics. */
export class LoyaltyMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly ledgerCommands = new Counter({
    name: 'ledger_commands_total',
    help: 'Ledger commands by type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly ledgerAppends = new Histogram({
    name: 'ledger_append_duration_seconds',
    help: 'Time to append one batch to the ledger',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly ledgerEventsAppended = new Counter({ name: 'ledger_events_appended_total', help: 'Events appended to the ledger', registers: [this.registry] });
  readonly concurrencyRetries = new Counter({
    name: 'ledger_concurrency_retries_total',
    help: 'Appends retried after another writer won',
    registers: [this.registry],
  });
  readonly kafkaMessages = new Counter({
    name: 'kafka_messages_total',
    help: 'Kafka messages by topic and outcome (applied, duplicate, dead-lettered)',
    labelNames: ['topic', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly kafkaMisrouted = new Counter({
    name: 'kafka_misrouted_messages_total',
    help: 'Messages whose key does not hash (Java murmur2) to their partition: a producer without the Java-compatible partitioner',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly kafkaBatchFailures = new Counter({
    name: 'kafka_batch_failures_total',
    help: 'Batches the ledger or the broker could not take (retried with backoff)',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly ledgerIntegrity = new Gauge({
    name: 'ledger_integrity_ok',
    help: "1 when the ledger store's safeguards (append-only triggers, schema) were found intact at start; 0: writes are refused",
    registers: [this.registry],
  });
  readonly ledgerSeals = new Counter({
    name: 'ledger_seals_total',
    help: 'Digests sealed (signed sign-offs published in the log)',
    registers: [this.registry],
  });
  readonly kafkaConsumerReady = new Gauge({
    name: 'kafka_consumer_ready',
    help: '1 when the consumer is in its group and its last batch went through, else 0',
    registers: [this.registry],
  });
  readonly kafkaLag = new Gauge({
    name: 'kafka_consumer_lag',
    help: 'Messages behind the partition end after the last committed chunk',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });
  readonly projectionEvents = new Counter({
    name: 'projection_events_applied_total',
    help: 'Ledger events applied by each projection',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionPosition = new Gauge({
    name: 'projection_checkpoint_position',
    help: 'Ledger position each projection has applied up to',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionLag = new Gauge({
    name: 'projection_lag_events',
    help: 'Ledger events not yet applied by each projection (embedded ledger: positions count events)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly cachedAccounts = new Gauge({ name: 'ledger_cached_accounts', help: 'Accounts held folded in memory', registers: [this.registry] });
  readonly expiryAccounts = new Counter({
    name: 'expiry_job_accounts_total',
    help: 'Accounts the expiry job decided on (with a lot due by the read model)',
    registers: [this.registry],
  });
  readonly expiryLots = new Counter({ name: 'expiry_job_lots_expired_total', help: 'Lots the expiry job expired', registers: [this.registry] });
  readonly expiryPoints = new Counter({ name: 'expiry_job_points_expired_total', help: 'Points the expiry job expired', registers: [this.registry] });
  readonly expiryRuns = new Counter({
    name: 'expiry_job_runs_total',
    help: 'Expiry runs by outcome (completed, failed, skipped: another instance runs it)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly notificationsDerived = new Counter({
    name: 'notifications_derived_total',
    help: 'Notifications derived from the ledger',
    registers: [this.registry],
  });
  readonly notifierPosition = new Gauge({ name: 'notifier_position', help: 'The ledger position the notifier has committed', registers: [this.registry] });
  readonly notificationsPublished = new Counter({
    name: 'notifications_published_total',
    help: 'Notifications published to the Kafka topic',
    registers: [this.registry],
  });
  readonly webhookAttempts = new Counter({
    name: 'webhook_delivery_attempts_total',
    help: 'Webhook delivery attempts by outcome (delivered, retrying, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly expiryLastCompleted = new Gauge({
    name: 'expiry_job_last_completed_cutoff_seconds',
    help: 'Cut-off (Unix seconds) of the last completed expiry run: every lot due before it has its expiry entry',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
