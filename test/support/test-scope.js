// Which suites a run takes. A suite that needs more than Node (the Kafka broker, PostgreSQL, the
// compiled build) says so in a `@needs kafka|postgres|build` line near its top; `npm run
// test:unit` (LOYALTY_TEST_SCOPE=unit) leaves those out and starts nothing, `npm test` runs all.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const unitScope = process.env.LOYALTY_TEST_SCOPE === 'unit';
const NEEDS = /^\s*(\/\/|\*|\/\*\*)\s*@needs\s+(kafka|postgres|build)\b/m;

function specFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : specFiles(file);
    return /\.(spec|test)\.ts$/.test(entry.name) ? [file] : [];
  });
}

/** Path patterns (for testPathIgnorePatterns) of the suites that declare `@needs`. */
function suitesNeedingMore(root) {
  return ['apps', 'libs', 'test']
    .flatMap((top) => specFiles(path.join(root, top)))
    .filter((file) => NEEDS.test(fs.readFileSync(file, 'utf8').slice(0, 4000)))
    .map((file) => `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

module.exports = { unitScope, suitesNeedingMore };
