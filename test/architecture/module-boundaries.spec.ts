import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Lint is the guard of the layering: prove it fails where it must, on real project paths.
const root = join(__dirname, '..', '..');

const BANNED_IN_DOMAIN = ['@nestjs/common', 'kafkajs', '@eventstore/db-client', 'better-sqlite3', 'pg', 'class-validator'];
const CASES = {
  ...Object.fromEntries(
    BANNED_IN_DOMAIN.map((banned) => [
      banned,
      { filePath: 'libs/ledger-domain/src/loyalty-account/forbidden.ts', code: `import * as x from '${banned}';\nexport const y = x;\n` },
    ]),
  ),
  domainImportsInfrastructure: {
    filePath: 'libs/program-rules/src/forbidden.ts',
    code: "import { SqliteEventStore } from '@loyalty/event-store';\nexport const s = SqliteEventStore;\n",
  },
  applicationImports: {
    filePath: 'libs/ledger-application/src/allowed.ts',
    code: "import { Injectable } from '@nestjs/common';\nimport { decide } from '@loyalty/ledger-domain';\nexport const x = [Injectable, decide];\n",
  },
};

/** What the module-boundaries rule says of each case, by the real eslint with the project's configuration (one process for all). */
function lintCases(): Record<keyof typeof CASES, string[]> {
  const entries = Object.entries(CASES);
  const cli = spawnSync(process.execPath, [join(__dirname, 'lint-cases.mjs')], {
    cwd: root,
    input: JSON.stringify(entries.map(([, c]) => ({ filePath: join(root, c.filePath), code: c.code }))),
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (cli.status !== 0 || !cli.stdout) throw new Error(`eslint failed to run: ${cli.stderr}`);
  const answers = JSON.parse(cli.stdout) as string[][];
  return Object.fromEntries(entries.map(([name], i) => [name, answers[i]])) as Record<keyof typeof CASES, string[]>;
}

describe('module boundaries (enforced by lint)', () => {
  let said: Record<keyof typeof CASES, string[]>;
  beforeAll(() => {
    said = lintCases();
  });

  it.each(BANNED_IN_DOMAIN)('refuses %s in a type:domain library', (banned) => {
    expect(said[banned as keyof typeof CASES]).toEqual([`A project tagged with "type:domain" is not allowed to import "${banned}"`]);
  });

  it('refuses a domain library importing an infrastructure library', () => {
    expect(said.domainImportsInfrastructure.join('\n')).toMatch(/type:domain/);
  });

  it('allows the same imports in the application layer', () => {
    expect(said.applicationImports).toEqual([]);
  });
});
