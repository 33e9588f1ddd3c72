import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** Loads a module's TypeScript source in a worker thread (see infra/node/typescript-worker.js). */
const TYPESCRIPT_WORKER = join(__dirname, '..', '..', '..', 'infra', 'node', 'typescript-worker.js');

/**
 * A worker thread running one of this project's modules: its compiled `.js` in the build, its
 * `.ts` source where there is no build (the test runner), transpiled as it loads. `module` is
 * the path without the extension, e.g. `join(__dirname, 'sqlite-append.worker')`.
 * The thread inherits the process's options (the build's alias resolution among them).
 */
export function startWorkerModule(module: string, workerData?: Record<string, unknown>): Worker {
  if (existsSync(`${module}.js`)) return new Worker(`${module}.js`, { workerData, execArgv: requiredModules() });
  if (existsSync(`${module}.ts`)) return new Worker(TYPESCRIPT_WORKER, { workerData: { ...workerData, typescriptModule: `${module}.ts` } });
  throw new Error(`no worker module ${module}.js or .ts`);
}

/**
 * The modules the process preloads (`-r`), as they are now: the `loyalty` command adds its alias
 * resolution at run time, after the thread's default (the options the process started with)
 * was fixed. V8 flags are the process's anyway (and refused in a thread's execArgv).
 */
function requiredModules(): string[] {
  const argv = process.execArgv;
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if ((argv[i] === '-r' || argv[i] === '--require') && i + 1 < argv.length) kept.push(argv[i], argv[++i]);
    else if (argv[i].startsWith('--require=')) kept.push(argv[i]);
  }
  return kept;
}
