// Lets compiled code (dist/) resolve the workspace's `@loyalty/<lib>` imports, which tsc
// does not rewrite. Maps each alias to dist/libs/<lib>/src/index.js. Used with `node -r`.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');

const distRoot = path.resolve(__dirname, '..', '..', 'dist');
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveWorkspaceAlias(request, parent, ...rest) {
  if (request.startsWith('@loyalty/')) {
    const lib = request.slice('@loyalty/'.length);
    const target = path.join(distRoot, 'libs', lib, 'src', 'index.js');
    if (fs.existsSync(target)) return target;
  }
  return originalResolve.call(this, request, parent, ...rest);
};
