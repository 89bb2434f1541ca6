/** The dashboard page: a static shell whose panels `app-script.ts` fills. {{css}}, `{{charts}}` and `{{app}}` become content-hashed asset paths, `{{layout}}` the configured dashboards (`dashboard-layout.ts`). */
export const DASHBOARD_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fortitude · performance dashboard</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%23111827'/%3E%3Cpath d='M3 12l3-4 3 2 4-6' stroke='%236ee7b7' stroke-width='2' fill='none'/%3E%3C/svg%3E">
<link rel="stylesheet" href="{{css}}">
<script src="{{charts}}" defer></script>
<script src="{{app}}" defer></script>
</head>
<body data-state="loading">
<header>
  <div class="brand"><strong>Fortitude</strong> <span>performance dashboard</span></div>
  <div id="alerts-strip" class="alerts-strip"></div>
  <div class="controls">
    <label>Span <select id="span"><option value="300">5 min</option><option value="900" selected>15 min</option><option value="3600">1 h</option></select></label>
    <button id="pause" type="button">Pause</button>
    <span id="status" class="status">connecting…</span>
  </div>
</header>
<form id="key-form" class="key-form" hidden>
  <label>Admin API key <input id="key" type="password" autocomplete="off" spellcheck="false"></label>
  <button type="submit">Use key</button>
  <span>Kept for this browser tab only (sessionStorage) and sent as a bearer token.</span>
</form>
<main>
  <section class="kpis">
    <div class="kpi"><span class="label">API requests</span><span id="api-requests" class="value">—</span></div>
    <div class="kpi"><span class="label">Request rate</span><span id="api-rate" class="value">—</span></div>
    <div class="kpi"><span class="label">API p95</span><span id="api-p95" class="value">—</span></div>
    <div class="kpi"><span class="label">Error rate</span><span id="api-error-rate" class="value">—</span></div>
    <div class="kpi"><span class="label">Cache hit ratio</span><span id="cache-hit-ratio" class="value">—</span></div>
    <div class="kpi"><span class="label">Provider calls</span><span id="provider-calls" class="value">—</span></div>
    <div class="kpi"><span class="label">Cost / request</span><span id="cost-per-request" class="value">—</span></div>
    <div class="kpi"><span class="label">Budget today</span><span id="budget-daily" class="value">—</span></div>
  </section>
{{layout}}
</main>
</body>
</html>
`;
