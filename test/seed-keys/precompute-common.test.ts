/**
 * Issue 20, `caching.strategies.embeddings.precompute_common`: the warmer precomputes the
 * embeddings of the popular patterns' key terms only when it is true (it used to be read by no
 * one). A warming run over the admin API reports what it embedded ahead (`embeddings`); with the
 * key false it embeds nothing although the popular pattern has terms. The same two servers show
 * `monitoring.real_time_alerts`: off, the SLA alert engine never evaluates (`/api/alerts`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runFortitude, spawnServer } from '../observability/spawn-server.js';

interface WarmReport {
  popular: { considered: number };
  embeddings: { considered: number; computed: number };
}

it('precompute_common (and real_time_alerts): false skips the term embeddings of a warming run (and alert evaluation); true runs them', async () => {
  const reports: Record<string, WarmReport> = {};
  const evaluated: Record<string, number | null> = {};
  for (const precompute of [false, true]) {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-precompute-'));
    writeFileSync(
      join(cwd, 'fortitude.yaml'),
      [
        // Same two servers: monitoring.real_time_alerts follows the key too (off with the first).
        `monitoring: { real_time_alerts: ${precompute}, evaluation_interval: 1s, warmup: 0s }`,
        'caching:',
        '  semantic: { enabled: true, embedder: local }',
        '  strategies:',
        `    embeddings: { precompute_common: ${precompute} }`,
        '',
      ].join('\n'),
    );
    const created = await runFortitude(cwd, ['keys', 'create', '--name', 'ops', '--scopes', 'admin', '--json']);
    const key = (JSON.parse(created.stdout) as { key: string }).key;
    const server = await spawnServer({ cwd });
    try {
      const research = await fetch(`${server.url}/api/research`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'How do I rotate PostgreSQL credentials without downtime?' }),
      });
      expect(research.status).toBe(200);
      await research.arrayBuffer();
      // Query patterns are recorded in batches: warm until the run sees the popular pattern.
      let report: WarmReport | undefined;
      for (let waited = 0; waited < 15_000; waited += 500) {
        const response = await fetch(`${server.url}/api/admin/cache/warm`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
        expect(response.status).toBe(200);
        report = (await response.json()) as WarmReport;
        if (report.popular.considered > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      reports[String(precompute)] = report!;
      // At least a second has passed: the alert engine has evaluated only where real_time_alerts is on.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const alerts = (await (await fetch(`${server.url}/api/alerts`, { headers: { authorization: `Bearer ${key}` } })).json()) as { evaluatedAt: number | null };
      evaluated[String(precompute)] = alerts.evaluatedAt;
    } finally {
      await server.close();
    }
  }
  // Both runs saw the popular pattern; only the one with the key on embedded its terms.
  expect(reports.false?.popular.considered).toBeGreaterThan(0);
  expect(reports.true?.popular.considered).toBeGreaterThan(0);
  expect(reports.false?.embeddings).toMatchObject({ considered: 0, computed: 0 });
  expect(reports.true?.embeddings.considered).toBeGreaterThan(0);
  expect(evaluated.false).toBeNull();
  expect(evaluated.true).toEqual(expect.any(Number));
}, 120_000);
