// A worker thread started from the TypeScript sources (under jest, where nothing is compiled):
// SWC transpiles each .ts file as it is required, with the options jest uses, and the
// workspace's `@loyalty/<lib>` imports resolve to their sources. Then it runs the module that
// startWorkerModule (libs/thread-support) was given. The build runs the compiled .js instead.
'use strict';
const path = require('node:path');
const { workerData } = require('node:worker_threads');
const { addHook } = require('pirates');
const { transformSync } = require('@swc/core');
const tsconfigPaths = require('tsconfig-paths');
const swcOptions = require('./swc-options');

const root = path.resolve(__dirname, '..', '..');
const { compilerOptions } = require(path.join(root, 'tsconfig.base.json'));
tsconfigPaths.register({ baseUrl: root, paths: compilerOptions.paths });

addHook((code, filename) => transformSync(code, { ...swcOptions, filename, sourceMaps: 'inline' }).code, { exts: ['.ts'], ignoreNodeModules: true });

require(workerData.typescriptModule);
