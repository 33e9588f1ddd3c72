// Prints the console's production bundle size (what a first load downloads), raw and gzip.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = join(import.meta.dirname, '..', '..', 'dist', 'console');
const files = [
  join(dir, 'index.html'),
  ...readdirSync(join(dir, 'assets'))
    .filter((f) => !f.endsWith('.map'))
    .map((f) => join(dir, 'assets', f)),
];
let raw = 0;
let gzip = 0;
for (const file of files) {
  raw += statSync(file).size;
  gzip += gzipSync(readFileSync(file)).length;
}
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(`[console] production bundle: ${files.length} files, ${kib(raw)} (${kib(gzip)} gzip) in dist/console`);
