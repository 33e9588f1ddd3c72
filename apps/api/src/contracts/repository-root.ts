import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository's root, from the sources (the test runner) or from dist/ (the compiled scripts). */
export function repositoryRoot(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'nx.json'))) return dir;
  throw new Error(`no repository root (nx.json) above ${from}`);
}
