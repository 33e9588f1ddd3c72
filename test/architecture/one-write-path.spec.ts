import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

// Every door to the ledger (HTTP, Kafka, the jobs) reaches it through one function:
// LedgerWriter.executeBatch (execute is the same function for one command). Only it appends to
// the account streams; no door appends on its own or goes through a forwarding layer.
const root = join(__dirname, '..', '..');

function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'spec-support', 'kafka-test-kit', 'e2e', 'contract'].includes(entry.name) ? [] : productionFiles(file);
    return entry.name.endsWith('.ts') && !/\.(spec|test)\.ts$/.test(entry.name) ? [file] : [];
  });
}

/** Every `something.method(...)` call in the production code, as `method` with the file it is in. */
function methodCalls(): { file: string; method: string; receiver: string }[] {
  const calls: { file: string; method: string; receiver: string }[] = [];
  for (const file of [...productionFiles(join(root, 'apps')), ...productionFiles(join(root, 'libs'))]) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        calls.push({ file: relative(root, file), method: node.expression.name.text, receiver: node.expression.expression.getText(source) });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return calls;
}

/** Whether a file imports a name (from any module). */
function imports(file: string, name: string): boolean {
  return new RegExp(`import[^;]*\\b${name}\\b[^;]*from`).test(readFileSync(join(root, file), 'utf8'));
}

const WRITER = 'libs/ledger-application/src/ledger-writer/ledger-writer.ts';
const WRITERS_APPEND_STEP = 'libs/ledger-application/src/ledger-writer/chunked-appends.ts';
/** The doors, each with the way it must reach the ledger. */
const DOORS: { door: string; file: RegExp; call: string }[] = [
  { door: 'HTTP (each ledger use case)', file: /^libs\/ledger-application\/src\/use-cases\/[^/]+\/[^/]+\.http-controller\.ts$/, call: 'execute' },
  { door: 'Kafka', file: /^libs\/kafka-ingestion\/src\/consumer\/ledger-ingestion\.consumer\.ts$/, call: 'executeBatch' },
  { door: 'expiry job', file: /^libs\/program-operations\/src\/expiry\/expiry-job\.ts$/, call: 'executeBatch' },
  { door: 're-rating', file: /^libs\/program-operations\/src\/re-rating\/re-rating\.service\.ts$/, call: 'executeBatch' },
];

describe('one write path', () => {
  const calls = methodCalls();

  it('has every door call the writer, and the HTTP doors do so one command at a time through the same function', () => {
    for (const { door, file, call } of DOORS) {
      const files = [...new Set(calls.filter((c) => file.test(c.file)).map((c) => c.file))];
      expect({ door, files: files.length > 0 }).toEqual({ door, files: true });
      for (const f of files) {
        expect({ door, file: f, callsTheWriter: calls.some((c) => c.file === f && c.method === call && /\bwriter$/.test(c.receiver)) }).toEqual({
          door,
          file: f,
          callsTheWriter: true,
        });
      }
    }
    expect(readFileSync(join(root, WRITER), 'utf8')).toMatch(
      /async execute\(envelope: CommandEnvelope\): Promise<LedgerWriteResult> \{\n\s+const \[result\] = await this\.executeBatch\(\[envelope\]\);/,
    );
  });

  it('lets only the writer append to the ledger (the sealer appends its digests to a stream of their own)', () => {
    const appenders = calls.filter((c) => (c.method === 'appendMany' || c.method === 'append') && /store$/i.test(c.receiver)).map((c) => c.file);
    expect([...new Set(appenders)].sort()).toEqual([WRITERS_APPEND_STEP, 'libs/finance-audit/src/tamper-evidence/ledger-digests.ts'].sort());
    // The append step is the writer's own: nothing else makes one.
    const usersOfTheStep = [...new Set(calls.map((c) => c.file))].filter(
      (f) => f !== WRITERS_APPEND_STEP && /new ChunkedAppends\b/.test(readFileSync(join(root, f), 'utf8')),
    );
    expect(usersOfTheStep).toEqual([WRITER]);
    const digests = readFileSync(join(root, 'libs/finance-audit/src/tamper-evidence/ledger-digests.ts'), 'utf8');
    expect(digests).toMatch(/this\.store\.append\(\s*LEDGER_DIGEST_STREAM,/);
  });

  it('has no forwarding layer: no command bus, no command classes between a door and the writer', () => {
    const withCommandBus = [...new Set(calls.map((c) => c.file))].filter((f) => imports(f, 'CommandBus') || imports(f, 'CommandHandler'));
    expect(withCommandBus).toEqual([]);
  });
});
