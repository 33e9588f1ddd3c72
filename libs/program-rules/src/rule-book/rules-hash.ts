import { createHash } from 'node:crypto';
import type { ProgramRules, RulesReference } from '../program-rules.types';

/**
 * JSON with object keys sorted at every level, so equal documents hash equally. Every ledger
 * entry's chain hash goes through it (twice per entry on ingestion), so it builds one string
 * with loops rather than arrays of parts; its output is byte for byte that of the plain
 * definition kept in the spec (changing it would break every stored chain).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item = canonicalJson(value[i]) as string | undefined;
      if (item !== undefined) out += item; // as Array.join: an undefined item leaves an empty slot
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  // An insertion sort: objects here have few keys, where it beats Array.prototype.sort; `>` on
  // strings compares UTF-16 code units, as that sort does, so the order is the same.
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > key; j--) keys[j + 1] = keys[j];
    keys[j + 1] = key;
  }
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = obj[key];
    if (item === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += quotedKey(key) + canonicalJson(item);
  }
  return `${out}}`;
}

// Events reuse a few dozen field names: their quoted form is kept (bounded, for arbitrary keys).
const quotedKeys = new Map<string, string>();
function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/**
 * A rules version's identity: sha256 over the canonical JSON of its content, minus `$schema`
 * (an editor hint) and `effectiveFrom` (when it applies is its schedule, recorded beside it, not
 * what it says). So a version keeps one hash from submission through scheduling, and the
 * entries it computes, the catalog and a replay's report all name the same one.
 */
export function rulesContentHash(rules: ProgramRules): string {
  const { ...content } = rules as Partial<ProgramRules> & { $schema?: string };
  delete content.$schema;
  delete content.effectiveFrom;
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

export function rulesReference(rules: ProgramRules): RulesReference {
  return { id: rules.id, version: rules.version, hash: rulesContentHash(rules) };
}
