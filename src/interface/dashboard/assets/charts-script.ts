/** Browser script: the SVG chart helpers (`window.FortitudeCharts`). Plain ES5-style JavaScript kept free of backticks and `${`, so it lives in this template literal unchanged. */
export const CHARTS_SCRIPT = String.raw`/* Fortitude dashboard charts: tiny SVG line, bar, scatter and meter charts built with DOM calls
   (no innerHTML, no inline styles, so the page runs under a strict Content-Security-Policy). */
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var COLOURS = ['#2563eb', '#d97706', '#dc2626', '#059669', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];
  var W = 560;
  var H = 210;
  var AREA = { left: 56, top: 22, right: W - 14, bottom: H - 44 };

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) if (Object.prototype.hasOwnProperty.call(attrs, key)) node.setAttribute(key, String(attrs[key]));
    if (parent) parent.appendChild(node);
    return node;
  }

  function label(parent, x, y, content, attrs) {
    var node = el('text', Object.assign({ x: x, y: y }, attrs || {}), parent);
    node.textContent = content;
    return node;
  }

  function tip(parent, content) {
    var title = el('title', {}, parent);
    title.textContent = content;
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    var magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (value <= steps[i] * magnitude) return steps[i] * magnitude;
    return 10 * magnitude;
  }

  function compact(value) {
    var abs = Math.abs(value);
    if (abs === 0) return '0';
    if (abs >= 1e6) return (value / 1e6).toFixed(1) + 'M';
    if (abs >= 1e3) return (value / 1e3).toFixed(1) + 'k';
    if (abs >= 10) return value.toFixed(0);
    if (abs >= 1) return value.toFixed(1);
    if (abs >= 0.01) return value.toFixed(3);
    return value.toPrecision(2);
  }

  function clock(t) {
    var date = new Date(t);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return two(date.getHours()) + ':' + two(date.getMinutes()) + ':' + two(date.getSeconds());
  }

  function start(container, yMax, options) {
    while (container.firstChild) container.removeChild(container.firstChild);
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'svg-chart', role: 'img' }, container);
    if (options.title) tip(svg, options.title);
    var format = options.yFormat || compact;
    for (var tick = 0; tick <= 4; tick++) {
      var y = AREA.bottom - ((AREA.bottom - AREA.top) * tick) / 4;
      el('line', { x1: AREA.left, x2: AREA.right, y1: y, y2: y, class: 'grid' }, svg);
      label(svg, AREA.left - 6, y + 4, format((yMax * tick) / 4), { 'text-anchor': 'end', class: 'axis' });
    }
    if (options.unit) label(svg, 4, 10, options.unit, { class: 'axis' });
    return svg;
  }

  function legend(svg, entries) {
    var x = AREA.left;
    entries.forEach(function (entry) {
      el('line', { x1: x, x2: x + 16, y1: H - 10, y2: H - 10, stroke: entry.colour, 'stroke-width': 3, 'stroke-dasharray': entry.dashed ? '5 3' : 'none' }, svg);
      label(svg, x + 20, H - 6, entry.name, { class: 'legend' });
      x += 30 + entry.name.length * 6.5;
    });
  }

  function empty(svg, message) {
    label(svg, (AREA.left + AREA.right) / 2, (AREA.top + AREA.bottom) / 2, message || 'no data yet', { 'text-anchor': 'middle', class: 'empty' });
  }

  /* options: { series: [{ name, points: [[t, value|null]], colour?, dashed? }], unit?, yMax?, xDomain?: [min, max], yFormat? } */
  function line(container, options) {
    if (!container) return; // the panel is not in the configured layout
    var values = [];
    var xs = [];
    options.series.forEach(function (series) {
      series.points.forEach(function (point) {
        xs.push(point[0]);
        if (point[1] !== null && point[1] !== undefined) values.push(point[1]);
      });
    });
    var yMax = options.yMax || niceMax(Math.max.apply(null, [0].concat(values)));
    var svg = start(container, yMax, options);
    var xMin = options.xDomain ? options.xDomain[0] : Math.min.apply(null, xs);
    var xMax = options.xDomain ? options.xDomain[1] : Math.max.apply(null, xs);
    if (values.length === 0 || !(xMax > xMin)) {
      empty(svg);
      return;
    }
    function sx(x) { return AREA.left + ((x - xMin) / (xMax - xMin)) * (AREA.right - AREA.left); }
    function sy(y) { return AREA.bottom - (Math.min(y, yMax) / yMax) * (AREA.bottom - AREA.top); }
    [0, 0.5, 1].forEach(function (fraction) {
      label(svg, sx(xMin + (xMax - xMin) * fraction), AREA.bottom + 14, clock(xMin + (xMax - xMin) * fraction), { 'text-anchor': fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle', class: 'axis' });
    });
    var entries = [];
    options.series.forEach(function (series, index) {
      var colour = series.colour || COLOURS[index % COLOURS.length];
      entries.push({ name: series.name, colour: colour, dashed: series.dashed });
      var d = '';
      var pen = false;
      var drawn = [];
      series.points.forEach(function (point) {
        if (point[1] === null || point[1] === undefined) { pen = false; return; }
        d += (pen ? 'L' : 'M') + sx(point[0]).toFixed(1) + ' ' + sy(point[1]).toFixed(1);
        pen = true;
        drawn.push(point);
      });
      if (d) {
        var path = el('path', { d: d, fill: 'none', stroke: colour, 'stroke-width': 2, 'stroke-dasharray': series.dashed ? '5 3' : 'none' }, svg);
        tip(path, series.name);
      }
      if (drawn.length <= 2) {
        drawn.forEach(function (point) { el('circle', { cx: sx(point[0]), cy: sy(point[1]), r: 3, fill: colour }, svg); });
      }
    });
    legend(svg, entries);
  }

  /* options: { categories: [name], series: [{ name, values: [number|null], colour? }], unit?, yFormat? } */
  function bars(container, options) {
    if (!container) return; // the panel is not in the configured layout
    var values = [];
    options.series.forEach(function (series) { series.values.forEach(function (value) { if (value !== null && value !== undefined) values.push(value); }); });
    var yMax = niceMax(Math.max.apply(null, [0].concat(values)));
    var svg = start(container, yMax, options);
    if (values.length === 0) {
      empty(svg);
      return;
    }
    var format = options.yFormat || compact;
    var group = (AREA.right - AREA.left) / Math.max(1, options.categories.length);
    var width = Math.max(3, (group * 0.8) / Math.max(1, options.series.length));
    options.categories.forEach(function (category, categoryIndex) {
      var left = AREA.left + categoryIndex * group + group * 0.1;
      options.series.forEach(function (series, seriesIndex) {
        var value = series.values[categoryIndex];
        if (value === null || value === undefined) return;
        var height = (value / yMax) * (AREA.bottom - AREA.top);
        var rect = el('rect', { x: left + seriesIndex * width, y: AREA.bottom - height, width: width - 1, height: Math.max(0, height), fill: series.colour || COLOURS[seriesIndex % COLOURS.length] }, svg);
        tip(rect, category + ' · ' + series.name + ': ' + format(value) + (options.unit ? ' ' + options.unit : ''));
      });
      label(svg, left + (group * 0.8) / 2, AREA.bottom + 14, category, { 'text-anchor': 'middle', class: 'axis' });
    });
    if (options.series.length > 1) {
      legend(svg, options.series.map(function (series, index) { return { name: series.name, colour: series.colour || COLOURS[index % COLOURS.length] }; }));
    }
  }

  /* options: { points: [{ label, x, y }], xLabel, yLabel, yMax?, xFormat? } */
  function scatter(container, options) {
    if (!container) return; // the panel is not in the configured layout
    var yMax = options.yMax || niceMax(Math.max.apply(null, [0].concat(options.points.map(function (p) { return p.y; }))));
    var xMax = niceMax(Math.max.apply(null, [0].concat(options.points.map(function (p) { return p.x; }))));
    var svg = start(container, yMax, options);
    if (options.points.length === 0) {
      empty(svg, 'needs providers with both cost and quality');
      return;
    }
    var xFormat = options.xFormat || compact;
    [0, 0.5, 1].forEach(function (fraction) {
      label(svg, AREA.left + fraction * (AREA.right - AREA.left), AREA.bottom + 14, xFormat(xMax * fraction), { 'text-anchor': fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle', class: 'axis' });
    });
    label(svg, AREA.right, H - 6, options.xLabel + ' →', { 'text-anchor': 'end', class: 'legend' });
    label(svg, AREA.left, H - 6, '↑ ' + options.yLabel, { class: 'legend' });
    options.points.forEach(function (point, index) {
      var x = AREA.left + (point.x / xMax) * (AREA.right - AREA.left);
      var y = AREA.bottom - (Math.min(point.y, yMax) / yMax) * (AREA.bottom - AREA.top);
      var g = el('g', {}, svg);
      tip(g, point.label + ': ' + xFormat(point.x) + ' per request, quality ' + point.y.toFixed(3));
      el('circle', { cx: x, cy: y, r: 6, fill: COLOURS[index % COLOURS.length] }, g);
      label(g, x + 9, y + 4, point.label, { class: 'legend' });
    });
  }

  /* A horizontal fill bar: options { value (0–1, may exceed 1), text } */
  function meter(container, options) {
    if (!container) return; // the panel is not in the configured layout
    while (container.firstChild) container.removeChild(container.firstChild);
    var svg = el('svg', { viewBox: '0 0 ' + W + ' 40', class: 'svg-meter', role: 'img' }, container);
    var value = Math.max(0, options.value || 0);
    var colour = value >= 1 ? '#dc2626' : value >= 0.8 ? '#d97706' : '#059669';
    el('rect', { x: 0, y: 6, width: W, height: 18, rx: 4, class: 'meter-track' }, svg);
    el('rect', { x: 0, y: 6, width: Math.min(1, value) * W, height: 18, rx: 4, fill: colour }, svg);
    label(svg, 6, 38, options.text, { class: 'legend' });
  }

  window.FortitudeCharts = { line: line, bars: bars, scatter: scatter, meter: meter, compact: compact };
})();
`;
