import { createHash } from 'node:crypto';
import type { ProgramRules, RulesReference } from '../program-rules.types';

/** JSON with object keys sorted at every level, so equal documents hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(',')}}`;
}

/** sha256 over the canonical JSON of the rules, minus `$schema` (an editor hint, not a rule). */
export function rulesContentHash(rules: ProgramRules): string {
  const { ...content } = rules as ProgramRules & { $schema?: string };
  delete content.$schema;
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

export function rulesReference(rules: ProgramRules): RulesReference {
  return { id: rules.id, version: rules.version, hash: rulesContentHash(rules) };
}
