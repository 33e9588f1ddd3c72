import { spawn, type ChildProcess } from 'node:child_process';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';

// The workspace root, from test/support (jest) or dist/test/support (compiled benches).
const root = join(__dirname, ...(basename(join(__dirname, '..', '..')) === 'dist' ? ['..', '..', '..'] : ['..', '..']));

export interface ChildHandle {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line (seen or coming) that matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Runs a compiled script (dist/...) with the workspace's path aliases (and node's own flags, if any). */
export function spawnCompiled(script: string, args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): ChildHandle {
  const child = spawn(process.execPath, [...nodeFlags, '-r', join(root, 'infra', 'node', 'register-paths.js'), join(root, 'dist', script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 60_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
        waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
        void exited.then(({ code, signal }) =>
          reject(new Error(`child exited (${code ?? signal}) before a line matching ${pattern}; stderr: ${stderr.slice(-2000)}`)),
        );
      });
    },
  };
}
