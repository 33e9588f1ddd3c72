/**
 * Calls the broker again while it answers with a retriable error, such as "not the leader for
 * that topic-partition" in the moments after a topic is created or a leader moves; any other
 * error, or the last attempt's, is thrown.
 */
export async function whileRetriable<T>(call: () => Promise<T>, attempts = 40, pauseMs = 250): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetriable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

/** kafkajs marks the errors worth another try (its protocol errors carry `retriable`). */
export function isRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable === true;
}
