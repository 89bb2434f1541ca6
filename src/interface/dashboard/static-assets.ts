import { createHash } from 'node:crypto';
import { APP_SCRIPT } from './assets/app-script.js';
import { CHARTS_SCRIPT } from './assets/charts-script.js';
import { DASHBOARD_CSS } from './assets/dashboard-css.js';
import { DASHBOARD_HTML } from './assets/dashboard-html.js';
import { DEFAULT_DASHBOARD_LAYOUT, renderDashboardLayout, type DashboardLayout } from './dashboard-layout.js';

/**
 * The dashboard's files, built once: scripts and styles under content-hashed paths served as
 * immutable; the page itself revalidated by ETag (so a new release shows at once). Assets are
 * TypeScript string modules rather than files so `tsc` ships them in `dist/`.
 */

export interface StaticAsset {
  path: string;
  contentType: string;
  body: Buffer;
  etag: string;
  cacheControl: string;
}

export const DASHBOARD_PATH = '/dashboard';

/**
 * Nothing loads or runs unless it comes from this origin; no inline script or style, no forms
 * posting anywhere (the key form is handled by script), no framing. `data:` images only for the
 * inline favicon (otherwise the browser asks for /favicon.ico).
 */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const IMMUTABLE = 'public, max-age=31536000, immutable';

function hashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 12);
}

function asset(name: string, extension: string, contentType: string, text: string): StaticAsset {
  const body = Buffer.from(text, 'utf8');
  const hash = hashOf(body);
  return { path: `${DASHBOARD_PATH}/assets/${name}-${hash}.${extension}`, contentType, body, etag: `"${hash}"`, cacheControl: IMMUTABLE };
}

const built = new Map<string, StaticAsset[]>();

/** The page first (laid out as `monitoring.dashboards` says), then its assets. */
export function dashboardAssets(layout: readonly DashboardLayout[] = DEFAULT_DASHBOARD_LAYOUT): StaticAsset[] {
  const layoutKey = JSON.stringify(layout);
  const cached = built.get(layoutKey);
  if (cached) return cached;
  const css = asset('dashboard', 'css', 'text/css; charset=utf-8', DASHBOARD_CSS);
  const charts = asset('charts', 'js', 'text/javascript; charset=utf-8', CHARTS_SCRIPT);
  const app = asset('dashboard', 'js', 'text/javascript; charset=utf-8', APP_SCRIPT);
  const html = Buffer.from(
    DASHBOARD_HTML.replace('{{css}}', css.path).replace('{{charts}}', charts.path).replace('{{app}}', app.path).replace('{{layout}}', () => renderDashboardLayout(layout)),
    'utf8',
  );
  const page: StaticAsset = { path: DASHBOARD_PATH, contentType: 'text/html; charset=utf-8', body: html, etag: `"${hashOf(html)}"`, cacheControl: 'no-cache' };
  const assets = [page, css, charts, app];
  built.set(layoutKey, assets);
  return assets;
}
