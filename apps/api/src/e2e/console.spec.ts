// @needs build (the console's production bundle, dist/console)
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { JsonLogger } from '@loyalty/http-platform';
import { loadDemoData, type DemoLoad } from '@loyalty/demo-data';
import { loadConfig } from '../config/app-config';
import { createApp } from '../create-app';

// The console in a real browser (Debian's Chromium, driven by Playwright) against the app on a
// fresh data folder loaded with the demo's generated data: each page answers what the API does.
const FIN = 'console-finance-key-000001';
const OPS = 'console-ops-key-0000000002';
const INGEST = 'console-ingest-key-000003';
const ADMIN = 'console-admin-key-0000004';
const ROOT = join(__dirname, '..', '..', '..', '..');
const SCREENSHOTS = join(ROOT, 'test-output', 'console-screenshots');
// Chromium's flags for this machine's closed network (shared with the console's benchmark).
const CHROMIUM_ARGS = JSON.parse(readFileSync(join(ROOT, 'infra', 'chromium', 'launch-args.json'), 'utf8')) as string[];

const endOfToday = () => new Date(Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`) + 86_400_000 - 1).toISOString();
const en = (n: number) => n.toLocaleString('en-US');

describe('the operations console in a browser', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let base: string;
  let browser: Browser;
  let demo: DemoLoad;

  const api = async <T>(key: string, path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (response.headers.get('content-type') ?? '').includes('json') ? ((await response.json()) as T) : ((await response.text()) as T);
  };

  /** A browser tab signed in with the key, at the page. */
  const signedIn = async (key: string, hash = '', width = 1280): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Tokyo', acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${base}/console/`);
    await page.fill('input[name=apiKey]', key);
    await page.click('button[type=submit]');
    await page.waitForSelector('nav[aria-label=Pages]');
    if (hash) await page.goto(`${base}/console/#${hash}`);
    return { context, page };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'console-'));
    const config = loadConfig({ LOYALTY_DATA_DIR: dir, LOYALTY_API_KEYS: `${FIN}:finance,${OPS}:ops,${INGEST}:ingest+redeem,${ADMIN}:admin` });
    app = await createApp(config, new JsonLogger('error', () => undefined));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
    demo = await loadDemoData({ baseUrl: base, apiKey: INGEST, opsKey: OPS, customers: 60, purchases: 600 });
    console.info(`[console] demo data: ${demo.requests} requests in ${demo.seconds.toFixed(1)} s: ${JSON.stringify(Object.fromEntries(demo.outcomes))}`);
    // The read models have caught up with the last write before the pages are looked at.
    await api(FIN, `/v1/segments?waitForPosition=${demo.lastPosition}&waitMs=10000`);
    browser = await chromium.launch({ executablePath: process.env.LOYALTY_TEST_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows finance the liability the API states for the same date, and one bar per month of the roll-forward', async () => {
    // Given a finance key signed in
    const { context, page } = await signedIn(FIN);
    // When the overview has loaded
    const figure = await page.textContent('[data-testid=liability-outstanding]', { timeout: 20_000 });
    // Then its liability is the API's for the same date
    const liability = await api<{ outstandingPoints: number }>(FIN, `/v1/finance/liability?asOf=${endOfToday()}`);
    expect(liability.outstandingPoints).toBeGreaterThan(0);
    expect(figure).toBe(en(liability.outstandingPoints));
    // And the chart has one bar per month of the roll-forward (the last 12 months)
    const chart = page.locator('[data-testid=roll-forward-chart]');
    await chart.waitFor();
    const now = new Date();
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)).toISOString();
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
    const roll = await api<{ rows: { from: string }[] }>(FIN, `/v1/finance/roll-forward?from=${from}&to=${to}&by=month`);
    expect(Number(await chart.getAttribute('data-bars'))).toBe(roll.rows.length);
    expect(await chart.getAttribute('data-labels')).toBe(roll.rows.map((r) => r.from.slice(0, 7)).join('|'));
    // And members by tier are the API's
    const tiers = await api<{ tiers: { tier: string; customers: number }[] }>(FIN, `/v1/tiers?asOf=${endOfToday()}`);
    const byTier = page.locator('[data-testid=members-by-tier]');
    await byTier.waitFor();
    expect([await byTier.getAttribute('data-labels'), await byTier.getAttribute('data-values')]).toEqual([
      tiers.tiers.map((t) => t.tier).join('|'),
      tiers.tiers.map((t) => t.customers).join('|'),
    ]);
    // (the same population as the segments: every customer the read models know)
    const segments = await api<{ segments: { customers: number }[] }>(FIN, `/v1/segments?asOf=${endOfToday()}`);
    expect(tiers.tiers.reduce((n, t) => n + t.customers, 0)).toBe(segments.segments.reduce((n, s) => n + s.customers, 0));
    await context.close();
  });

  it("shows a customer's timeline with the entries of the account's ledger, each with its provenance", async () => {
    const { context, page } = await signedIn(FIN, '/customers/CUST-1');
    await page.waitForSelector('[data-testid=timeline] tbody tr', { timeout: 20_000 });
    const ledger = await api<{ entries: { revision: string; type: string; provenance: { channel: string } }[] }>(FIN, '/v1/accounts/CUST-1/ledger?limit=500');
    const rows = await page.$$eval('[data-testid=timeline] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    expect(rows.map((r) => [r[0], r[1]])).toEqual(ledger.entries.map((e) => [e.revision, e.type]));
    expect(rows.every((r) => r[3].startsWith('http '))).toBe(true);
    // And its CSV export has a line per entry under the header, with the same provenance
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('article[aria-label="Ledger entries"] button:has-text("Export CSV")').click(),
    ]);
    const csv = parse(readFileSync((await download.path()) as string), { columns: true }) as Record<string, string>[];
    expect(csv.map((r) => [r.Rev, r.Entry, r.Provenance])).toEqual(rows.map((r) => [r[0], r[1], r[3]]));
    await context.close();
  });

  it('lets operations replay a candidate, watch it reach ready, see the tier matrix, promote it, and see the promoted segments', async () => {
    expect(demo.candidateVersion).not.toBeNull();
    const { context, page } = await signedIn(OPS, '/rules');
    // When the candidate is replayed
    await page.click(`[data-testid=replay-v${demo.candidateVersion}]`, { timeout: 20_000 });
    // Then the replay's progress reaches ready, and its tier transition matrix counts every customer
    await page.waitForFunction(() => document.querySelector('[data-testid=replay-status]')?.textContent === 'ready', undefined, { timeout: 120_000 });
    const cells = await page.$$eval('[data-testid=tier-matrix] td', (tds) => tds.map((td) => Number((td.textContent ?? '0').replace(/,/g, ''))));
    const replays = await api<{ id: string; status: string; impact: { customers: number; tierTransitions: { customers: number }[] } }[]>(OPS, '/v1/replays');
    const replay = replays.find((r) => r.status === 'ready');
    expect(cells.reduce((a, b) => a + b, 0)).toBe(replay?.impact.customers);
    // When it is promoted (after the confirmation)
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('button:has-text("Promote")');
    await page.waitForFunction(() => document.querySelector('[data-testid=replay-status]')?.textContent === 'promoted', undefined, { timeout: 30_000 });
    // Then the segments page shows the figures the API now serves
    await page.goto(`${base}/console/#/segments`);
    await page.waitForSelector('[data-testid=segments] tbody tr', { timeout: 20_000 });
    const shown = await page.$$eval('[data-testid=segments] tbody tr', (trs) =>
      trs.map((tr) => [tr.querySelector('button')?.textContent, tr.querySelectorAll('td')[1]?.textContent]),
    );
    const segments = await api<{ segments: { segment: string; customers: number }[] }>(OPS, `/v1/segments?asOf=${endOfToday()}`);
    expect(shown).toEqual(segments.segments.map((s) => [s.segment, en(s.customers)]));
    await context.close();
  });

  it("exports a segment's members as CSV with the API's rows", async () => {
    const { context, page } = await signedIn(FIN, '/segments');
    await page.waitForSelector('[data-testid=segments] tbody tr button', { timeout: 20_000 });
    // The largest segment
    const segments = await api<{ segments: { segment: string; customers: number }[] }>(FIN, `/v1/segments?asOf=${endOfToday()}`);
    const segment = [...segments.segments].sort((a, b) => b.customers - a.customers)[0].segment;
    await page.click(`[data-testid=segments] tbody tr button:text-is("${segment}")`);
    await page.waitForSelector('[data-testid=members]', { timeout: 20_000 });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(`article[aria-label="Members of ${segment}"] button:has-text("Export CSV")`).click(),
    ]);
    const exported = readFileSync((await download.path()) as string, 'utf8');
    const expected = await api<string>(
      FIN,
      `/v1/segments/${encodeURIComponent(segment)}/members?asOf=${encodeURIComponent(endOfToday())}&sort=monetary&order=natural&format=csv`,
      {
        headers: { Accept: 'text/csv' },
      },
    );
    expect(exported.trim().split('\n').length).toBeGreaterThan(1);
    expect(exported).toBe(expected);
    await context.close();
  });

  it('lets finance seal and verify the ledger from the finance page, the result said plainly', async () => {
    const { context, page } = await signedIn(FIN, '/finance');
    await page.click('button:has-text("Seal now")', { timeout: 20_000 });
    await page.waitForSelector('text=Keep this sign-off outside the ledger', { timeout: 30_000 });
    await page.click('button:has-text("Verify")');
    const result = await page.textContent('[data-testid=verify-result]', { timeout: 60_000 });
    expect(result).toContain('Verified: every hash chain and sealed digest holds');
    await context.close();
  });

  it('tells a key with the ingest role plainly that the finance page is not allowed', async () => {
    const { context, page } = await signedIn(INGEST, '/finance');
    const message = await page.textContent('[data-testid=not-allowed]', { timeout: 20_000 });
    expect(message).toContain('Not allowed.');
    expect(message).toContain('finance');
    expect(await page.$$eval('nav a', (links) => links.map((a) => a.textContent))).toEqual(['Customer']);
    await context.close();
  });

  it('saves a screenshot of each page at 1280 and 390 pixels, and prints the first load time', async () => {
    for (const width of [1280, 390]) {
      const { context, page } = await signedIn(ADMIN, '', width);
      for (const [name, hash, ready] of [
        ['overview', '/', '[data-testid=roll-forward-chart]'],
        ['customer', '/customers/CUST-1', '[data-testid=timeline]'],
        ['segments', '/segments', '[data-testid=segments]'],
        ['finance', '/finance', '[data-testid=finance-outstanding]'],
        ['rules', '/rules', '[data-testid=rules-versions]'],
        ['ingestion', '/ingestion', 'h2:has-text("Dead letters")'],
        ['notifications', '/notifications', 'h2:has-text("Webhook endpoints")'],
      ] as const) {
        await page.goto(`${base}/console/#${hash}`);
        await page.waitForSelector(ready, { timeout: 20_000 });
        await page.waitForLoadState('networkidle');
        await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
      }
      await context.close();
    }
    // First load: a fresh tab, signed in already, until the overview's liability is on screen
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    await context.addInitScript((key) => sessionStorage.setItem('loyalty-console-key', key), FIN);
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(`${base}/console/`);
    await page.waitForSelector('[data-testid=liability-outstanding]', { timeout: 20_000 });
    console.info(
      `[console] first load to the liability figure: ${Date.now() - started} ms (embedded default, ${demo.requests} requests loaded); screenshots in ${SCREENSHOTS}`,
    );
    await context.close();
  });
});
