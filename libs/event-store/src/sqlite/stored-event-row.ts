import type { StoredEvent } from '../port/event-store.port';
import { uuidFromHex } from './uuid-bytes';

/**
 * A stored event as the adapter's SELECTs give it, in their column order: the id as 32 lowercase
 * hex digits, the data and metadata as JSON text (`string`), or already parsed when a page came
 * as one JSON document (`object`). The metadata is null when read without it.
 */
export type StoredEventRow<Json> = [
  position: number,
  stream: string,
  revision: number,
  eventIdHex: string,
  type: string,
  schemaVersion: number,
  data: Json,
  metadata: Json | null,
  recordedAt: string,
];

export function storedEventOfRow<Json>(row: StoredEventRow<Json>, parse: (json: Json) => Record<string, unknown>): StoredEvent {
  const metadata = row[7];
  return {
    position: BigInt(row[0]),
    stream: row[1],
    revision: BigInt(row[2]),
    eventId: uuidFromHex(row[3]),
    type: row[4],
    schemaVersion: row[5],
    data: parse(row[6]),
    metadata: metadata === null ? {} : parse(metadata),
    recordedAt: row[8],
  };
}
