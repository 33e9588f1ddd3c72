import { createHash } from 'node:crypto';
import type { ProjectionStore } from '@loyalty/projection-runner';
import { canonicalJson } from '@loyalty/program-rules';

/** A stable hash of a projection's tables (canonical JSON: stores that reorder keys still compare equal). */
export async function projectionHash(store: ProjectionStore, key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const [k, state] of store.entries(key)) hash.update(k).update(canonicalJson(state));
  return hash.digest('hex');
}
