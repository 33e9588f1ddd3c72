/** One changed leaf between two rules documents, by path (e.g. `tiers.levels[1].threshold`). */
export interface RulesChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  from?: unknown;
  to?: unknown;
}

function leaves(value: unknown, path: string, out: Map<string, unknown>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, []);
    value.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as Record<string, unknown>);
    if (keys.length === 0) out.set(path, {});
    for (const k of keys) leaves((value as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, value);
  }
}

/** A readable diff: every leaf that differs, sorted by path. */
export function diffRules(from: unknown, to: unknown): RulesChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  leaves(from, '', a);
  leaves(to, '', b);
  const changes: RulesChange[] = [];
  for (const [path, value] of a) {
    if (!b.has(path)) changes.push({ path, change: 'removed', from: value });
    else if (JSON.stringify(b.get(path)) !== JSON.stringify(value)) changes.push({ path, change: 'changed', from: value, to: b.get(path) });
  }
  for (const [path, value] of b) if (!a.has(path)) changes.push({ path, change: 'added', to: value });
  return changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** The diff as lines for people: `~ tiers.levels[1].threshold: 300000 -> 200000`. */
export function describeDiff(changes: readonly RulesChange[]): string[] {
  return changes.map((c) =>
    c.change === 'changed'
      ? `~ ${c.path}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`
      : c.change === 'added'
        ? `+ ${c.path}: ${JSON.stringify(c.to)}`
        : `- ${c.path}: ${JSON.stringify(c.from)}`,
  );
}
