import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { APP_SCRIPT } from './assets/app-script.js';
import { CHARTS_SCRIPT } from './assets/charts-script.js';
import { DASHBOARD_CSP, dashboardAssets } from './static-assets.js';

describe('dashboard assets', () => {
  it('are valid scripts (they are plain strings, so nothing else checks them)', () => {
    expect(() => new Script(CHARTS_SCRIPT, { filename: 'charts.js' })).not.toThrow();
    expect(() => new Script(APP_SCRIPT, { filename: 'dashboard.js' })).not.toThrow();
  });

  it('link the page to content-hashed, immutable assets and keep the page revalidated', () => {
    const [page, ...assets] = dashboardAssets();
    const html = page!.body.toString();
    expect(page!.path).toBe('/dashboard');
    expect(page!.cacheControl).toBe('no-cache');
    for (const asset of assets) {
      expect(asset.path).toMatch(/^\/dashboard\/assets\/[a-z]+-[\w-]{12}\.(js|css)$/);
      expect(asset.cacheControl).toContain('immutable');
      expect(html).toContain(`"${asset.path}"`);
    }
    expect(html).not.toContain('{{');
  });

  it('need nothing the CSP forbids: no inline script, style attribute or event handler', () => {
    const html = dashboardAssets()[0]!.body.toString();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    expect(html).not.toContain('<style');
    expect(APP_SCRIPT + CHARTS_SCRIPT).not.toMatch(/\.innerHTML\s*=|\beval\(|new Function|setAttribute\('style'/);
    expect(DASHBOARD_CSP).toContain("default-src 'none'");
    expect(DASHBOARD_CSP).toContain("form-action 'none'");
  });

  it('has every panel of the seed’s two dashboards', () => {
    const html = dashboardAssets()[0]!.body.toString();
    for (const panel of [
      'API Response Time Percentiles',
      'Provider Performance Comparison',
      'Quality Evaluation Performance',
      'Error Rate Trends',
      'Cost per Request by Provider',
      'Quality vs Cost Analysis',
      'Budget Utilization',
      'Cost Optimization Opportunities',
      'Cache Hit Ratio',
    ]) {
      expect(html).toContain(`<h3>${panel}</h3>`);
    }
  });
});
