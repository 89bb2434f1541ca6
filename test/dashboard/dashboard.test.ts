/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parsePrometheus, runFortitude, sendResearch, spawnServer, sumOf, type SpawnedServer } from '../observability/spawn-server.js';

/**
 * The dashboard in headless Chromium against a real `fortitude serve`: it loads under its CSP
 * without errors, shows the seed's panels, its numbers agree with `/metrics`, and it updates as
 * traffic arrives. Chromium comes from Debian (`apt-get install chromium`; .ci/run does it).
 */

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--no-first-run'];
const SCREENSHOT = new URL('../../bench/out/dashboard.png', import.meta.url).pathname;
const PANELS = [
  'API Response Time Percentiles',
  'Provider Performance Comparison',
  'Quality Evaluation Performance',
  'Error Rate Trends',
  'Cost per Request by Provider',
  'Quality vs Cost Analysis',
  'Budget Utilization',
  'Cache Hit Ratio',
  'Cost Optimization Opportunities',
];
const missing = !existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';

const QUERIES = [
  'What is a Rust lifetime?',
  'How do I spawn a background task in tokio and wait for it?',
  'Should I use PostgreSQL or MongoDB for an event store?',
  'What is a Rust lifetime?',
  'How do I spawn a background task in tokio and wait for it?',
  'Explain the borrow checker to a beginner',
  'What is a Rust lifetime?',
];

async function launch(): Promise<Browser> {
  if (missing) throw new Error(`${CHROMIUM} is missing: install it with "apt-get install -y chromium" (CI does this in .ci/run)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** Collects page errors, console errors and CSP violations; the test asserts there are none. */
function watchErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}

async function shown(page: Page, id: string): Promise<number | null> {
  const raw = await page.getAttribute(`#${id}`, 'data-value');
  return raw === null || raw === '' ? null : Number(raw);
}

/** Bounds (s) of the histogram buckets holding ranks `rank` and `rank + 1`, summed over label sets. */
function bucketBounds(samples: ReturnType<typeof parsePrometheus>, name: string, rank: number): { lower: number; upper: number } {
  const cumulative = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${name}_bucket`) continue;
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    cumulative.set(le, (cumulative.get(le) ?? 0) + sample.value);
  }
  const bounds = [...cumulative].sort((a, b) => a[0] - b[0]);
  const bucketOf = (wanted: number) => bounds.findIndex(([, count]) => count >= wanted);
  const low = bucketOf(rank);
  const high = bucketOf(rank + 1);
  return { lower: low > 0 ? bounds[low - 1]![0] : 0, upper: bounds[high === -1 ? bounds.length - 1 : high]![0] };
}

describe('dashboard in headless Chromium', { timeout: 120_000 }, () => {
  if (missing && !inCi) {
    it.skip(`needs ${CHROMIUM} (apt-get install -y chromium); skipped outside CI`, () => undefined);
    return;
  }

  let server: SpawnedServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([spawnServer(), launch()]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the page with a strict CSP and caches hashed assets as immutable', async () => {
    const page = await fetch(`${server.url}/dashboard`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    expect(html).not.toMatch(/<script>(?!<)/); // no inline script
    const etag = page.headers.get('etag')!;
    expect((await fetch(`${server.url}/dashboard`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const script = /src="(\/dashboard\/assets\/dashboard-[\w-]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-type')).toContain('javascript');
  });

  it('shows numbers that match /metrics, then updates as traffic arrives', async () => {
    await sendResearch(server.url, QUERIES);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = watchErrors(page);
    await page.goto(`${server.url}/dashboard`);
    for (const title of PANELS) await expect(page.getByRole('heading', { name: title, exact: true }).count()).resolves.toBe(1);
    await page.waitForSelector('body[data-state="live"]');
    await page.waitForFunction(() => document.querySelector('#provider-calls')?.getAttribute('data-value') !== null);

    // Pause so no poll runs between reading the page and scraping /metrics.
    await page.click('#pause');
    await page.waitForSelector('body[data-state="paused"]');
    const requests = (await shown(page, 'api-requests'))!;
    const p95 = (await shown(page, 'api-p95'))!;
    const hitRatio = (await shown(page, 'cache-hit-ratio'))!;
    const providerCalls = (await shown(page, 'provider-calls'))!;

    const metrics = parsePrometheus(await (await fetch(`${server.url}/metrics`)).text());
    // /metrics also counts the snapshot request behind the figures on the page (it ended after them).
    expect(sumOf(metrics, 'fortitude_api_requests_total')).toBe(requests + 1);
    expect(requests).toBeGreaterThanOrEqual(QUERIES.length);
    expect(providerCalls).toBe(sumOf(metrics, 'fortitude_provider_requests_total'));
    expect(providerCalls).toBeGreaterThan(0);
    const metricsHitRatio = sumOf(metrics, 'fortitude_cache_hit_ratio', (labels) => labels.level === 'all');
    expect(hitRatio).toBeCloseTo(metricsHitRatio, 9);
    expect(hitRatio).toBeGreaterThan(0); // the repeated questions were answered from cache
    const total = sumOf(metrics, 'fortitude_api_request_duration_seconds_count');
    const { lower, upper } = bucketBounds(metrics, 'fortitude_api_request_duration_seconds', Math.ceil(0.95 * (total - 1)));
    expect(p95 / 1000).toBeGreaterThanOrEqual(lower * 0.99);
    expect(p95 / 1000).toBeLessThanOrEqual(upper * 1.01);
    expect(await page.textContent('#api-requests')).toBe(requests.toLocaleString('en-US'));
    expect(await page.textContent('#cache-hit-ratio')).toBe(`${(hitRatio * 100).toFixed(1)}%`);

    // Traffic while resumed: the page follows.
    await page.click('#pause');
    const more = ['How do I read a file line by line in Go?', 'What is a Rust lifetime?', 'How do I read a file line by line in Go?', 'Compare Kafka and RabbitMQ for event sourcing'];
    await sendResearch(server.url, more);
    await page.waitForFunction((least) => Number(document.querySelector('#api-requests')?.getAttribute('data-value')) >= least, requests + more.length, { timeout: 15_000 });
    expect((await shown(page, 'provider-calls'))!).toBeGreaterThan(providerCalls);
    // Charts drew lines, the provider table lists the simulated providers.
    expect(await page.locator('#chart-api path').count()).toBeGreaterThan(0);
    expect(await page.locator('#table-providers tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-quality-cost circle').count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);

    mkdirSync(new URL('../../bench/out/', import.meta.url).pathname, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
  });

  it('asks for an admin key when auth is on, and works once given one', async () => {
    const created = await runFortitude(server.cwd, ['keys', 'create', '--name', 'dashboard', '--scopes', 'admin', '--json']);
    expect(created.code).toBe(0);
    const key = (JSON.parse(created.stdout) as { key: string }).key;
    const secured = await spawnServer({ cwd: server.cwd, env: { FORTITUDE_SERVER__AUTH__MODE: 'required' } });
    try {
      expect((await fetch(`${secured.url}/api/dashboard/snapshot`)).status).toBe(401);
      const page = await browser.newPage();
      const problems = watchErrors(page);
      await page.goto(`${secured.url}/dashboard`);
      await page.waitForSelector('#key-form:not([hidden])');
      expect(await page.textContent('#status')).toContain('admin API key');
      await page.fill('#key', key);
      await page.click('#key-form button');
      await page.waitForFunction(() => document.querySelector('#api-requests')?.getAttribute('data-value') !== null);
      expect(page.url()).not.toContain(key);
      // The 401 before the key was entered is the only console complaint Chromium makes.
      expect(problems.filter((problem) => !problem.includes('401'))).toEqual([]);
      await page.close();
    } finally {
      await secured.close();
    }
  });
});
