/**
 * The dashboard's panels by title (the seed's `monitoring.dashboards[].panels` names) and the
 * page body built from a layout: one group per configured dashboard, its panels in the
 * configured order. `app-script.ts` fills whichever panels are on the page.
 */

export interface DashboardLayout {
  name: string;
  panels: readonly string[];
}

export const DASHBOARD_PANELS = {
  'API Response Time Percentiles': '<section class="panel" id="panel-api"><h3>API Response Time Percentiles</h3><p class="numbers" id="api-numbers"></p><div class="chart" id="chart-api"></div></section>',
  'Provider Performance Comparison':
    '<section class="panel" id="panel-providers"><h3>Provider Performance Comparison</h3><p class="numbers" id="provider-numbers"></p><div class="chart" id="chart-providers"></div><div id="table-providers"></div></section>',
  'Quality Evaluation Performance':
    '<section class="panel" id="panel-quality"><h3>Quality Evaluation Performance</h3><p class="numbers" id="quality-numbers"></p><div class="chart" id="chart-quality"></div><div class="chart" id="chart-quality-scores"></div></section>',
  'Error Rate Trends': '<section class="panel" id="panel-errors"><h3>Error Rate Trends</h3><p class="numbers" id="error-numbers"></p><div class="chart" id="chart-errors"></div></section>',
  'Cost per Request by Provider': '<section class="panel" id="panel-cost"><h3>Cost per Request by Provider</h3><p class="numbers" id="cost-numbers"></p><div class="chart" id="chart-cost"></div></section>',
  'Quality vs Cost Analysis':
    '<section class="panel" id="panel-quality-cost"><h3>Quality vs Cost Analysis</h3><p class="numbers">Up and to the left is better: higher quality for less money.</p><div class="chart" id="chart-quality-cost"></div></section>',
  'Budget Utilization': '<section class="panel" id="panel-budget"><h3>Budget Utilization</h3><div class="meter" id="budget-day"></div><div class="meter" id="budget-month"></div></section>',
  'Cache Hit Ratio': '<section class="panel" id="panel-cache"><h3>Cache Hit Ratio</h3><p class="numbers" id="cache-numbers"></p><div class="chart" id="chart-cache"></div><div id="table-cache"></div></section>',
  'Cost Optimization Opportunities': '<section class="panel" id="panel-opportunities"><h3>Cost Optimization Opportunities</h3><ul id="opportunities" class="opportunities"></ul></section>',
  Alerts: '<section class="panel" id="panel-alerts"><h3>Alerts</h3><p class="numbers" id="alerts-numbers"></p><div id="table-alerts"></div></section>',
} as const satisfies Record<string, string>;

export type DashboardPanel = keyof typeof DASHBOARD_PANELS;
export const DASHBOARD_PANEL_NAMES = Object.keys(DASHBOARD_PANELS) as DashboardPanel[];

/** The page without configuration: the seed's two dashboards, with cache and alerts panels after the cost ones. */
export const DEFAULT_DASHBOARD_LAYOUT: readonly DashboardLayout[] = [
  { name: 'Performance Overview', panels: ['API Response Time Percentiles', 'Provider Performance Comparison', 'Quality Evaluation Performance', 'Error Rate Trends'] },
  { name: 'Cost Performance', panels: ['Cost per Request by Provider', 'Quality vs Cost Analysis', 'Budget Utilization', 'Cache Hit Ratio', 'Cost Optimization Opportunities', 'Alerts'] },
];

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** The groups and panels of the page body. Panel names are checked by the config schema; an unknown one is skipped. */
export function renderDashboardLayout(layout: readonly DashboardLayout[]): string {
  return layout
    .map((dashboard) => {
      const panels = dashboard.panels.filter((panel): panel is DashboardPanel => Object.hasOwn(DASHBOARD_PANELS, panel)).map((panel) => `    ${DASHBOARD_PANELS[panel]}`);
      return `  <h2 class="group">${escapeHtml(dashboard.name)}</h2>\n  <div class="grid">\n${panels.join('\n')}\n  </div>`;
    })
    .join('\n');
}
