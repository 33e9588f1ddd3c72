import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Lint is the guard of the layering: prove it fails where it must, on real project paths.
const root = join(__dirname, '..', '..');

/** Runs the real eslint CLI (as `npm run lint` does) on code placed at a project path. */
async function lintAs(filePath: string, code: string): Promise<string[]> {
  const cli = spawnSync(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', join(root, filePath), '--format', 'json'], {
    cwd: root,
    input: code,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (!cli.stdout) throw new Error(`eslint failed to run: ${cli.stderr}`);
  const [result] = JSON.parse(cli.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries (enforced by lint)', () => {
  it.each(['@nestjs/common', 'kafkajs', '@eventstore/db-client', 'better-sqlite3', 'pg', 'class-validator'])('refuses %s in a type:domain library', async (banned) => {
    const messages = await lintAs('libs/ledger-domain/src/loyalty-account/forbidden.ts', `import * as x from '${banned}';\nexport const y = x;\n`);
    expect(messages).toEqual([`A project tagged with "type:domain" is not allowed to import "${banned}"`]);
  });

  it('refuses a domain library importing an infrastructure library', async () => {
    const messages = await lintAs('libs/program-rules/src/forbidden.ts', "import { SqliteEventStore } from '@loyalty/event-store';\nexport const s = SqliteEventStore;\n");
    expect(messages.join('\n')).toMatch(/type:domain/);
  });

  it('allows the same imports in the application layer', async () => {
    const messages = await lintAs('libs/ledger-application/src/allowed.ts', "import { Injectable } from '@nestjs/common';\nimport { decide } from '@loyalty/ledger-domain';\nexport const x = [Injectable, decide];\n");
    expect(messages).toEqual([]);
  });
});
