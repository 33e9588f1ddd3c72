/// <reference lib="dom" />
// The console on the embedded default: its production bundle (what a first load downloads) and
// the time from opening /console in a fresh Chromium tab (already signed in) to the overview's
// liability figure on screen, over several loads: min, median, max. The data: the demo's
// (`--purchases=`, 2,000 by default, 200 customers).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { loadDemoData } from '@loyalty/demo-data';
import { spawnCompiled } from '../support/child-process';
import { benchDir, numberArg, report } from './bench-support';

const KEY = 'console-bench-admin-key-0001';

export async function benchConsoleLoad(): Promise<void> {
  const purchases = numberArg('purchases', 2_000);
  const loads = numberArg('loads', 7);
  const root = join(__dirname, '..', '..', '..');
  const assets = join(root, 'dist', 'console');
  if (!existsSync(join(assets, 'index.html'))) throw new Error('the console is not built: npm run build');
  const bundle = bundleSize(assets);
  const chromiumPath = execFileSync(join(root, 'infra', 'chromium', 'chromium.sh'), ['ensure'], { encoding: 'utf8' }).trim();

  // The app as npm start runs it (the compiled main, a process of its own), on a fresh data folder.
  const { dir, cleanup } = benchDir('console');
  const port = numberArg('port', 3917);
  const app = spawnCompiled('apps/api/src/main.js', [], { LOYALTY_DATA_DIR: dir, LOYALTY_API_KEYS: `${KEY}:admin`, PORT: String(port), LOG_LEVEL: 'warn' });
  const base = `http://127.0.0.1:${port}`;
  await waitUntilLive(base);
  // Chromium's flags for this machine's closed network (the console's browser test uses the same).
  const args = JSON.parse(readFileSync(join(root, 'infra', 'chromium', 'launch-args.json'), 'utf8')) as string[];
  const browser = await chromium.launch({ executablePath: chromiumPath, args });
  try {
    const demo = await loadDemoData({ baseUrl: base, apiKey: KEY, purchases });
    await fetch(`${base}/v1/segments?waitForPosition=${demo.lastPosition}&waitMs=10000`, { headers: { Authorization: `Bearer ${KEY}` } });
    const times: number[] = [];
    for (let i = 0; i < loads; i++) {
      // A fresh context each time: nothing cached, as a first visit.
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript((key) => sessionStorage.setItem('loyalty-console-key', key), KEY);
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${base}/console/`);
      await page.waitForSelector('[data-testid=liability-outstanding]', { timeout: 30_000 });
      times.push(performance.now() - started);
      await context.close();
    }
    times.sort((a, b) => a - b);
    report('console first load (embedded default)', {
      'bundle files': bundle.files,
      'bundle KiB (raw)': Math.round(bundle.raw / 1024),
      'bundle KiB (gzip)': Math.round(bundle.gzip / 1024),
      'demo requests loaded': demo.requests,
      loads,
      'first load to the liability, min ms': Math.round(times[0]),
      'first load to the liability, median ms': Math.round(times[Math.floor(times.length / 2)]),
      'first load to the liability, max ms': Math.round(times[times.length - 1]),
    });
  } finally {
    await browser.close();
    app.child.kill('SIGTERM');
    await app.exited;
    cleanup();
  }
}

async function waitUntilLive(base: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (
      await fetch(`${base}/health/live`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the app did not answer at ${base}/health/live within a minute`);
}

function bundleSize(dir: string): { files: number; raw: number; gzip: number } {
  const files = [
    join(dir, 'index.html'),
    ...readdirSync(join(dir, 'assets'))
      .filter((f) => !f.endsWith('.map'))
      .map((f) => join(dir, 'assets', f)),
  ].filter((f) => existsSync(f));
  return {
    files: files.length,
    raw: files.reduce((n, f) => n + statSync(f).size, 0),
    gzip: files.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0),
  };
}
