/** Browser script: polling, auth prompt, pause, and drawing the panels. Plain JavaScript kept free of backticks and `${`. */
export const APP_SCRIPT = String.raw`/* Fortitude dashboard: polls /api/dashboard/snapshot every 2 s and redraws the panels.
   With auth on, the data needs an admin key: entered once, kept in sessionStorage, sent as a
   bearer token (never in the URL). */
(function () {
  'use strict';
  var charts = window.FortitudeCharts;
  var KEY_STORAGE = 'fortitude.dashboard.key';
  var POLL_MS = 2000;
  var state = { paused: false, timer: null, inFlight: false, spanSeconds: 900 };

  function $(id) { return document.getElementById(id); }

  function setText(id, text, raw) {
    var node = $(id);
    if (!node) return;
    node.textContent = text;
    if (raw !== undefined) node.setAttribute('data-value', raw === null ? '' : String(raw));
  }

  function ms(value) { return value === null || value === undefined ? '—' : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0) + ' ms'; }
  function pct(value, digits) { return value === null || value === undefined ? '—' : (value * 100).toFixed(digits === undefined ? 1 : digits) + '%'; }
  function usd(value) { return value === null || value === undefined ? '—' : '$' + (value === 0 ? '0' : value < 0.01 ? value.toPrecision(3) : value.toFixed(4)); }
  function count(value) { return value === null || value === undefined ? '—' : Math.round(value).toLocaleString('en-US'); }

  function mark(id, ok) {
    var node = $(id);
    if (!node) return;
    node.classList.remove('good', 'bad');
    if (ok === true) node.classList.add('good');
    if (ok === false) node.classList.add('bad');
  }

  function satisfies(op, observed, value) {
    if (op === '<') return observed < value;
    if (op === '<=') return observed <= value;
    if (op === '>') return observed > value;
    return observed >= value;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function table(containerId, head, rows) {
    var container = $(containerId);
    if (!container) return;
    while (container.firstChild) container.removeChild(container.firstChild);
    if (rows.length === 0) {
      if (head.length > 0) container.appendChild(element('p', 'empty', 'no data yet'));
      return;
    }
    var tableNode = element('table');
    var headRow = element('tr');
    head.forEach(function (cell) { headRow.appendChild(element('th', '', cell)); });
    tableNode.appendChild(element('thead')).appendChild(headRow);
    var body = element('tbody');
    rows.forEach(function (row) {
      var tr = element('tr');
      row.forEach(function (cell) { tr.appendChild(element('td', '', cell)); });
      body.appendChild(tr);
    });
    tableNode.appendChild(body);
    container.appendChild(tableNode);
  }

  function series(timeline, field) {
    return timeline.map(function (point) { return [point.t, point[field]]; });
  }

  function flat(timeline, value) {
    if (timeline.length === 0) return [];
    return [[timeline[0].t, value], [timeline[timeline.length - 1].t, value]];
  }

  function render(snapshot) {
    var api = snapshot.api;
    var sla = snapshot.sla;
    var timeline = snapshot.timeline;
    var domain = [snapshot.at - snapshot.spanMs, snapshot.at];
    var providerCalls = snapshot.providers.reduce(function (total, provider) { return total + provider.calls; }, 0);

    setText('api-requests', count(api.requests), api.requests);
    setText('api-rate', api.requestRate.toFixed(2) + '/s', api.requestRate);
    setText('api-p95', ms(api.latency.p95), api.latency.p95);
    mark('api-p95', api.latency.p95 === null ? undefined : api.latency.p95 <= sla.api.p95);
    setText('api-error-rate', pct(api.errorRate, 2), api.errorRate);
    mark('api-error-rate', api.errorRate === null ? undefined : satisfies(sla.errorRate.op, api.errorRate, sla.errorRate.value));
    setText('cache-hit-ratio', pct(snapshot.cache.hitRatio), snapshot.cache.hitRatio);
    setText('provider-calls', count(providerCalls), providerCalls);
    setText('cost-per-request', usd(snapshot.costPerRequest), snapshot.costPerRequest);
    var daily = snapshot.budget.daily;
    setText('budget-daily', daily ? pct(daily.utilisation) : '—', daily ? daily.utilisation : null);

    setText('api-numbers', 'p50 ' + ms(api.latency.p50) + ' · p95 ' + ms(api.latency.p95) + ' · p99 ' + ms(api.latency.p99) + ' — targets ' + sla.api.p50 + ' / ' + sla.api.p95 + ' / ' + sla.api.p99 + ' ms · ' + count(api.concurrentRequests) + ' in flight');
    charts.line($('chart-api'), {
      unit: 'ms', xDomain: domain, title: 'API response time percentiles',
      series: [
        { name: 'p50', points: series(timeline, 'p50') },
        { name: 'p95', points: series(timeline, 'p95') },
        { name: 'p99', points: series(timeline, 'p99') },
        { name: 'p95 target', points: flat(timeline, sla.api.p95), colour: '#9ca3af', dashed: true }
      ]
    });

    var providers = snapshot.providers;
    setText('provider-numbers', providers.length === 0 ? 'no provider calls in this span' : 'all providers: p95 ' + ms(snapshot.providerLatency.p95) + ' (target ' + sla.provider.p95 + ' ms) · ' + count(providerCalls) + ' calls');
    charts.bars($('chart-providers'), {
      unit: 'ms', title: 'Provider response time',
      categories: providers.map(function (p) { return p.name; }),
      series: [
        { name: 'p50', values: providers.map(function (p) { return p.p50; }) },
        { name: 'p95', values: providers.map(function (p) { return p.p95; }) },
        { name: 'p99', values: providers.map(function (p) { return p.p99; }) }
      ]
    });
    table('table-providers', ['provider', 'calls', 'success', 'rate-limited', 'circuit'], providers.map(function (p) {
      return [p.name, count(p.calls), pct(p.successRate, 2), count(p.rateLimited), p.circuit];
    }));

    var quality = snapshot.quality;
    setText('quality-numbers', 'evaluation p50 ' + ms(quality.evaluationTime.p50) + ' · p95 ' + ms(quality.evaluationTime.p95) + ' · p99 ' + ms(quality.evaluationTime.p99) + ' (target p95 ' + sla.quality.p95 + ' ms) · mean score ' + (quality.score.avg === null ? '—' : quality.score.avg.toFixed(3)) + ' over ' + count(quality.score.count));
    charts.line($('chart-quality'), {
      unit: 'ms', xDomain: domain, title: 'Quality evaluation time (p95)',
      series: [
        { name: 'evaluation p95', points: series(timeline, 'qualityP95'), colour: '#7c3aed' },
        { name: 'p95 target', points: flat(timeline, sla.quality.p95), colour: '#9ca3af', dashed: true }
      ]
    });
    var types = Object.keys(quality.byResearchType).sort();
    charts.bars($('chart-quality-scores'), {
      title: 'Mean quality score by research type', yFormat: function (v) { return v.toFixed(2); },
      categories: types,
      series: [{ name: 'mean score', values: types.map(function (t) { return quality.byResearchType[t].avg; }), colour: '#7c3aed' }]
    });

    setText('error-numbers', count(api.errors) + ' server errors, ' + count(api.clientErrors) + ' client errors in ' + count(api.requests) + ' requests · availability ' + pct(api.availability, 3) + ' (target ' + pct(sla.availability, 1) + ')');
    charts.line($('chart-errors'), {
      unit: '%', xDomain: domain, title: 'Error rate',
      series: [
        { name: 'server error rate', colour: '#dc2626', points: timeline.map(function (p) { return [p.t, p.errorRate === null ? null : p.errorRate * 100]; }) },
        { name: 'target', colour: '#9ca3af', dashed: true, points: flat(timeline, sla.errorRate.value * 100) }
      ]
    });

    var spend = providers.reduce(function (total, p) { return total + p.costUsd; }, 0);
    setText('cost-numbers', 'mean ' + usd(snapshot.costPerRequest) + ' per provider call · ' + usd(spend) + ' spent in this span');
    charts.bars($('chart-cost'), {
      unit: 'USD', title: 'Cost per request', yFormat: function (v) { return v === 0 ? '0' : v.toPrecision(2); },
      categories: providers.map(function (p) { return p.name; }),
      series: [{ name: 'USD per call', values: providers.map(function (p) { return p.costPerRequest; }), colour: '#0891b2' }]
    });

    charts.scatter($('chart-quality-cost'), {
      title: 'Quality vs cost', xLabel: 'USD per request', yLabel: 'mean quality', yMax: 1,
      xFormat: function (v) { return v === 0 ? '0' : v.toPrecision(2); },
      points: providers.filter(function (p) { return p.costPerRequest !== null && p.quality !== null; }).map(function (p) { return { label: p.name, x: p.costPerRequest, y: p.quality }; })
    });

    [['daily', 'budget-day'], ['monthly', 'budget-month']].forEach(function (pair) {
      var period = snapshot.budget[pair[0]];
      charts.meter($(pair[1]), period
        ? { value: period.utilisation, text: pair[0] + ' (' + period.key + '): ' + usd(period.spentUsd) + ' spent + ' + usd(period.reservedUsd) + ' reserved of ' + usd(period.limitUsd) + ' — ' + pct(period.utilisation) }
        : { value: 0, text: pair[0] + ': no budget state' });
    });

    var cache = snapshot.cache;
    setText('cache-numbers', pct(cache.hitRatio) + ' of ' + count(cache.hits + cache.misses) + ' lookups answered from cache (' + count(cache.hits) + ' hits)');
    charts.line($('chart-cache'), {
      unit: '%', xDomain: domain, yMax: 100, title: 'Cache hit ratio',
      series: [{ name: 'hit ratio', colour: '#059669', points: timeline.map(function (p) { return [p.t, p.cacheHitRatio === null ? null : p.cacheHitRatio * 100]; }) }]
    });
    table('table-cache', ['level', 'hits', 'misses', 'hit ratio'], Object.keys(cache.byLevel).sort().map(function (level) {
      var entry = cache.byLevel[level];
      return [level, count(entry.hits), count(entry.misses), pct(entry.hitRatio)];
    }));

    var list = $('opportunities');
    if (list) {
      while (list.firstChild) list.removeChild(list.firstChild);
      if (snapshot.opportunities.length === 0) list.appendChild(element('li', 'empty', 'No cheaper provider of similar quality in this span.'));
      snapshot.opportunities.forEach(function (item) { list.appendChild(element('li', '', item.summary)); });
    }

    renderAlerts(snapshot.alerts);
    document.body.setAttribute('data-updated-at', String(snapshot.at));
    document.body.setAttribute('data-processes', String(snapshot.processes));
  }

  function renderAlerts(alerts) {
    var strip = $('alerts-strip');
    while (strip.firstChild) strip.removeChild(strip.firstChild);
    if (!alerts) {
      strip.appendChild(element('span', 'badge muted', 'alerts off'));
      table('table-alerts', [], []);
      return;
    }
    strip.appendChild(element('span', alerts.firing > 0 ? 'badge bad' : 'badge good', alerts.firing + ' firing'));
    strip.appendChild(element('span', alerts.pending > 0 ? 'badge warn' : 'badge muted', alerts.pending + ' pending'));
    var rows = alerts.active.map(function (a) { return [a.state, a.severity, a.name, a.condition, a.value === null ? '—' : String(Math.round(a.value * 1000) / 1000)]; });
    alerts.recent.forEach(function (t) { rows.push([t.from + ' → ' + t.to, t.severity, t.name, t.condition, new Date(t.at).toLocaleTimeString()]); });
    setText('alerts-numbers', alerts.rules + ' rules watched · ' + (alerts.evaluatedAt === null ? 'not evaluated yet' : 'last evaluated ' + new Date(alerts.evaluatedAt).toLocaleTimeString()) + (rows.length === 0 ? ' · nothing pending or firing' : ''));
    if (rows.length === 0) table('table-alerts', [], []);
    else table('table-alerts', ['state', 'severity', 'alert', 'condition', 'value / at'], rows);
  }

  function status(text, kind) {
    var node = $('status');
    node.textContent = text;
    node.className = 'status ' + kind;
  }

  function headers() {
    var key = window.sessionStorage.getItem(KEY_STORAGE);
    return key ? { authorization: 'Bearer ' + key } : {};
  }

  function showKeyForm(code) {
    $('key-form').hidden = false;
    status(code === 403 ? 'this key lacks the admin scope' : 'an admin API key is required', 'error');
  }

  function poll() {
    state.timer = null;
    if (state.paused) return;
    state.inFlight = true;
    fetch('/api/dashboard/snapshot?span_s=' + state.spanSeconds, { headers: headers(), cache: 'no-store' })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          showKeyForm(response.status);
          return null;
        }
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (snapshot) {
        if (!snapshot) return;
        render(snapshot);
        status('live · updated ' + new Date(snapshot.at).toLocaleTimeString(), 'live');
      })
      .catch(function (error) { status('cannot reach the server (' + error.message + '); retrying', 'error'); })
      .then(function () {
        state.inFlight = false;
        if (state.paused) document.body.setAttribute('data-state', 'paused');
        else {
          document.body.setAttribute('data-state', 'live');
          state.timer = window.setTimeout(poll, POLL_MS);
        }
      });
  }

  function togglePause() {
    state.paused = !state.paused;
    $('pause').textContent = state.paused ? 'Resume' : 'Pause';
    if (state.paused) {
      if (state.timer !== null) window.clearTimeout(state.timer);
      state.timer = null;
      if (!state.inFlight) document.body.setAttribute('data-state', 'paused');
      status('paused', 'paused');
    } else if (!state.inFlight) {
      poll();
    }
  }

  function restart() {
    if (state.timer !== null) window.clearTimeout(state.timer);
    state.timer = null;
    if (!state.inFlight && !state.paused) poll();
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('pause').addEventListener('click', togglePause);
    $('span').addEventListener('change', function (event) {
      state.spanSeconds = Number(event.target.value) || 900;
      restart();
    });
    $('key-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var value = $('key').value.trim();
      if (value) window.sessionStorage.setItem(KEY_STORAGE, value);
      $('key').value = '';
      $('key-form').hidden = true;
      restart();
    });
    state.spanSeconds = Number($('span').value) || 900;
    poll();
  });
})();
`;
