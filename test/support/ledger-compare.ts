import type { StoredEvent } from '@loyalty/event-store';
import { canonicalJson } from '@loyalty/program-rules';

/** Every event of a store, in global order. */
export async function readEverything(store: { readAll(after: bigint, limit: number): Promise<StoredEvent[]> }): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (let after = 0n; ;) {
    const page = await store.readAll(after, 10_000);
    if (page.length === 0) return all;
    all.push(...page);
    after = page[page.length - 1].position;
  }
}

/**
 * Each account's events as a sorted list. Kafka keeps order per customer within a topic, not
 * across topics (a survey answer may overtake a purchase), so two runs may interleave an
 * account's events differently; what each account holds must be the same. AccountOpened
 * records whichever came first, so only its presence is compared. Canonical JSON: stores may
 * keep an event's keys in another order (SQLite stores the writer's sorted text).
 */
export function accountContents(events: StoredEvent[]): Map<string, string[]> {
  const streams = new Map<string, string[]>();
  for (const e of events) {
    const entry = e.type === 'loyalty.account-opened' ? e.type : canonicalJson([e.type, e.data]);
    const list = streams.get(e.stream);
    if (list) list.push(entry);
    else streams.set(e.stream, [entry]);
  }
  for (const list of streams.values()) list.sort();
  return streams;
}
