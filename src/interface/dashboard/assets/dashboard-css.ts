/** Dashboard styles (served as a file: the CSP allows no inline style). */
export const DASHBOARD_CSS = String.raw`:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --card: #ffffff; --page: #f4f5f7; --good: #047857; --bad: #b91c1c; --warn: #b45309; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--page); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 16px; padding: 10px 20px; background: #111827; color: #f9fafb; }
header .brand strong { font-size: 18px; }
header .brand span { color: #9ca3af; margin-left: 6px; }
.controls { margin-left: auto; display: flex; align-items: center; gap: 12px; }
.controls select, .controls button { font: inherit; padding: 3px 8px; border-radius: 4px; border: 1px solid #4b5563; background: #1f2937; color: #f9fafb; }
.controls button { cursor: pointer; }
.status { font-size: 12px; color: #9ca3af; }
.status.live { color: #6ee7b7; }
.status.error { color: #fca5a5; }
.status.paused { color: #fcd34d; }
.alerts-strip { display: flex; gap: 6px; }
.badge { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #374151; }
.badge.bad { background: var(--bad); }
.badge.warn { background: var(--warn); }
.badge.good { background: #065f46; }
.badge.muted { color: #d1d5db; }
.key-form { display: flex; gap: 10px; align-items: center; padding: 10px 20px; background: #fef3c7; }
.key-form[hidden] { display: none; }
main { padding: 14px 20px 30px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; display: flex; flex-direction: column; }
.kpi .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.kpi .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.kpi .value.good { color: var(--good); }
.kpi .value.bad { color: var(--bad); }
h2.group { font-size: 15px; color: var(--muted); margin: 22px 0 8px; text-transform: uppercase; letter-spacing: 0.05em; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 14px; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
.panel h3 { margin: 0 0 4px; font-size: 15px; }
.numbers { margin: 0 0 6px; color: var(--muted); font-size: 12.5px; font-variant-numeric: tabular-nums; }
.svg-chart { width: 100%; height: auto; display: block; }
.svg-meter { width: 100%; height: auto; display: block; margin: 6px 0 10px; }
.svg-chart text, .svg-meter text { font-size: 11px; fill: #4b5563; }
.svg-chart .grid { stroke: var(--line); }
.svg-chart .empty { fill: var(--muted); font-size: 13px; }
.meter-track { fill: #eef0f3; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin-top: 6px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
th { color: var(--muted); font-weight: 600; }
.empty { color: var(--muted); }
.opportunities { margin: 4px 0; padding-left: 18px; }
.opportunities li { margin: 4px 0; }
`;
