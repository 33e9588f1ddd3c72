import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerRejectionCode } from '@loyalty/ledger-domain';
import { ERRORS } from './error-table';

const root = join(__dirname, '..', '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [file] : [];
  });
}

/** Codes below the HTTP layer that never reach a client: a store conflict is retried, a fenced projector stops. */
const INTERNAL = new Set(['EVENT_STORE.WRONG_EXPECTED_REVISION', 'PROJECTION.STALE_WRITER']);

describe('the error table', () => {
  it('has an entry for every code the modules raise (thrown with a code, or a class with a fixed code) and every ledger rejection', () => {
    // given every code the production code raises
    const raised = new Set<string>(Object.values(LedgerRejectionCode));
    for (const file of sources(join(root, 'libs'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/new (?:ReplayError|RulesLifecycleError|ReRatingError)\(\s*'([A-Z_.]+)'/g)) raised.add(m[1]);
      for (const m of text.matchAll(/readonly code = '([A-Z_.]+)'/g)) raised.add(m[1]);
    }
    // then each is in the table (or never meant for a client)
    const missing = [...raised].filter((code) => !INTERNAL.has(code) && !(code in ERRORS));
    expect(missing).toEqual([]);
    expect(raised.size).toBeGreaterThan(30);
  });

  it('answers a rejection with 422, but a source conflict with 409, and a busy ledger with a retryable 503', () => {
    expect(ERRORS[LedgerRejectionCode.InsufficientPoints].status).toBe(422);
    expect(ERRORS[LedgerRejectionCode.SourceConflict].status).toBe(409);
    expect(ERRORS['EVENT_STORE.UNAVAILABLE']).toMatchObject({ status: 503, retryable: true });
  });
});
