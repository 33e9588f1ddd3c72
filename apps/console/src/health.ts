/** What /health (public, outside the OpenAPI document) says: the checks, the consumer's among them. */
export interface HealthReport {
  status?: string;
  ledgerPosition?: string;
  details?: Record<string, (ConsumerHealth & { status?: string; [key: string]: unknown }) | undefined>;
}

export interface ConsumerHealth {
  state?: string;
  lag?: Record<string, Record<string, number>>;
  consecutiveFailures?: number;
  lastBatchAt?: string | null;
}

export async function fetchHealth(): Promise<HealthReport> {
  return (await (await fetch('/health')).json()) as HealthReport;
}

/** The consumer's lag per topic and partition, as rows. */
export function lagRows(consumer: ConsumerHealth): { topic: string; partition: string; behind: number }[] {
  return Object.entries(consumer.lag ?? {}).flatMap(([topic, partitions]) =>
    Object.entries(partitions).map(([partition, behind]) => ({ topic, partition, behind })),
  );
}
