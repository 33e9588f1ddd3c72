import type { ItemizedStorage, ItemRef } from './projection';

/** One stored item of a state's collection. An array item's key is its index; a record item's key is its id. */
export interface StoredItem {
  collection: string;
  itemKey: string;
  /** The index of an array item; -1 for a record item. */
  seq: number;
  value: unknown;
}

/**
 * What a commit writes for one customer: the head (the state without its collections' items;
 * each collection left as an empty `[]` or `{}`, which tells the store its kind) and the items
 * that changed. The store assembles them back into the state on load.
 */
export interface StateChange {
  head: Record<string, unknown>;
  items: StoredItem[];
}

/** A state stored whole, as one document (a projection without itemized storage). */
export function wholeStateChange(state: unknown): StateChange {
  return { head: state as Record<string, unknown>, items: [] };
}

/**
 * The change to store for a state after some events: its head and the items they touched.
 * Array items are found from the end, in one pass per collection, where new and recently
 * changed items are: the cost follows what changed, not the length of the history.
 */
export function stateChange(storage: ItemizedStorage | undefined, state: unknown, touched: Iterable<ItemRef>): StateChange {
  if (!storage) return wholeStateChange(state);
  const source = state as Record<string, unknown>;
  const head: Record<string, unknown> = { ...source };
  const wanted = new Map<string, Set<string>>();
  for (const ref of touched) {
    let keys = wanted.get(ref.collection);
    if (!keys) wanted.set(ref.collection, (keys = new Set()));
    keys.add(ref.key);
  }
  const items: StoredItem[] = [];
  for (const [collection, kind] of Object.entries(storage.collections)) {
    head[collection] = kind === 'array' ? [] : {};
    const keys = wanted.get(collection);
    if (!keys) continue;
    if (kind === 'record') {
      const record = source[collection] as Record<string, unknown>;
      for (const key of keys) if (Object.prototype.hasOwnProperty.call(record, key)) items.push({ collection, itemKey: key, seq: -1, value: record[key] });
    } else {
      const list = source[collection] as unknown[];
      const keyOf = storage.keyOf;
      if (!keyOf) throw new Error(`array collection ${collection} needs storage.keyOf`);
      let left = keys.size;
      for (let i = list.length - 1; i >= 0 && left > 0; i--) {
        const key = keyOf(collection, list[i]);
        if (keys.delete(key)) {
          left--;
          items.push({ collection, itemKey: String(i), seq: i, value: list[i] });
        }
      }
    }
  }
  return { head, items };
}

/** A state's every item with its head: for a state built whole (a stream-ordered rebuild writes each state once). */
export function completeStateChange(storage: ItemizedStorage | undefined, state: unknown): StateChange {
  if (!storage) return wholeStateChange(state);
  const source = state as Record<string, unknown>;
  const head: Record<string, unknown> = { ...source };
  const items: StoredItem[] = [];
  for (const [collection, kind] of Object.entries(storage.collections)) {
    head[collection] = kind === 'array' ? [] : {};
    if (kind === 'record') {
      for (const [itemKey, value] of Object.entries(source[collection] as Record<string, unknown>)) items.push({ collection, itemKey, seq: -1, value });
    } else {
      (source[collection] as unknown[]).forEach((value, seq) => items.push({ collection, itemKey: String(seq), seq, value }));
    }
  }
  return { head, items };
}

/**
 * The state back from its head and its stored items (in any order): array items by index,
 * record items by key. Stores call it, so readers get the state exactly as the projection built it.
 */
export function assembleState(
  head: Record<string, unknown>,
  items: Iterable<Pick<StoredItem, 'collection' | 'itemKey' | 'seq' | 'value'>>,
): Record<string, unknown> {
  for (const item of items) {
    const target = head[item.collection];
    if (Array.isArray(target)) target[item.seq] = item.value;
    else if (target !== null && typeof target === 'object') (target as Record<string, unknown>)[item.itemKey] = item.value;
    else throw new Error(`stored item of unknown collection ${item.collection}`);
  }
  return head;
}

/**
 * Several customers' states from their heads and their items (one query each, items of all the
 * heads' keys together): what a store's load and entries pages give back, in the heads' order.
 */
export function assembleStates(
  heads: readonly { key: string; head: Record<string, unknown> }[],
  items: Iterable<{ key: string } & Pick<StoredItem, 'collection' | 'itemKey' | 'seq' | 'value'>>,
): [string, Record<string, unknown>][] {
  const byKey = new Map<string, Pick<StoredItem, 'collection' | 'itemKey' | 'seq' | 'value'>[]>();
  for (const item of items) {
    const own = byKey.get(item.key);
    if (own) own.push(item);
    else byKey.set(item.key, [item]);
  }
  return heads.map(({ key, head }) => [key, assembleState(head, byKey.get(key) ?? [])]);
}
