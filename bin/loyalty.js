#!/usr/bin/env node
// The `loyalty` command: the compiled CLI (npm install builds it; after a change of the sources, `npm run build`).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'apps', 'api', 'src', 'cli', 'loyalty-cli.js');
if (!existsSync(cli)) {
  process.stderr.write('the CLI is not built yet: run `npm run build` (npm install does it)\n');
  process.exit(2);
}
const registerPaths = join(__dirname, '..', 'infra', 'node', 'register-paths.js');
require(registerPaths);
// Worker threads (the ledger's writer thread, ...) take process.execArgv: they resolve the aliases too.
process.execArgv.push('-r', registerPaths);
require(cli).main();
