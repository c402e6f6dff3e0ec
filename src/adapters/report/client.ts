/**
 * The report page's own script and style, inlined into every report. Plain ES2020 for any browser; it reads
 * the JSON in `#report-data`, draws the charts with Observable Plot (global `Plot`, inlined before it) and
 * replays the map on a canvas. Kept as text because the project's TypeScript has no DOM types; the browser
 * test (test/report/browser.test.ts) runs it and fails on any console error.
 */

export const PAGE_CSS = `
:root { --a: #2563eb; --b: #ea580c; --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --pass: #15803d;
  --fail: #b91c1c; --bg: #ffffff; --panel: #f8fafc; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1240px; padding: 24px 28px 48px; color: var(--ink); background: var(--bg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.identity h2 { border: 0; margin: 0 0 6px; font-size: 15px; }
.sub, .hint, .dir { color: var(--muted); margin: 2px 0; }
.hint { font-size: 12px; font-weight: normal; }
code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
.identity { display: flex; gap: 16px; flex-wrap: wrap; margin-top: 14px; }
.run-id { flex: 1 1 420px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.run-id dl { display: grid; grid-template-columns: repeat(3, minmax(120px, 1fr)); gap: 6px 18px; margin: 0; }
.run-id dt { color: var(--muted); font-size: 12px; }
.run-id dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-left: 5px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--panel); }
.card.pass { border-left-color: var(--pass); }
.card.fail { border-left-color: var(--fail); }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 22px; font-weight: 700; margin: 2px 0; white-space: nowrap; }
.card .target { font-size: 12px; color: var(--muted); }
.card.pass b { color: var(--pass); }
.card.fail b { color: var(--fail); }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child { text-align: left; }
thead th { color: var(--muted); font-weight: 600; }
td.pass { color: var(--pass); font-weight: 600; }
td.fail { color: var(--fail); font-weight: 600; }
td.tgt { color: var(--muted); }
td.delta.better { color: var(--pass); font-weight: 700; }
td.delta.worse { color: var(--fail); font-weight: 700; }
.grid2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
.grid3 { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 16px; }
@media (max-width: 900px) { .grid2, .grid3 { grid-template-columns: 1fr; } }
figure { margin: 0; min-width: 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
figure svg { max-width: 100%; height: auto; }
.empty { color: var(--muted); font-style: italic; padding: 30px 0; text-align: center; background: var(--panel); border-radius: 6px; }
.map-controls { display: flex; align-items: center; gap: 12px; margin-bottom: 8px; }
.map-controls input { flex: 1; }
.map-controls button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); cursor: pointer; min-width: 86px; }
#map-clock { font-variant-numeric: tabular-nums; font-weight: 600; min-width: 110px; text-align: right; }
.maps { display: grid; gap: 16px; }
.maps.two { grid-template-columns: repeat(2, minmax(0, 1fr)); }
.maps.one figure { max-width: 860px; }
.map canvas { width: 100%; border: 1px solid var(--line); border-radius: 6px; display: block; }
.map-counts { font-weight: normal; color: var(--muted); font-size: 12px; margin-left: 6px; }
.legend { color: var(--muted); font-size: 12px; display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; }
.sw { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; vertical-align: -1px; }
.sw.store { background: #0f172a; border-radius: 1px; width: 12px; height: 12px; }
.sw.idle { background: #16a34a; }
.sw.busy { background: #2563eb; }
.sw.waiting { background: #f59e0b; }
.sw.assigned { border: 2px solid #2563eb; }
.sw.enroute { background: #7c3aed; }
.sw.done { background: #86efac; }
.sw.cancelled { background: #fca5a5; }
details summary { cursor: pointer; color: var(--muted); }
.notes li { color: var(--muted); }
`;

export const CLIENT_SCRIPT = `
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var COLORS = ["#2563eb", "#ea580c"];
  var runs = D.runs;
  var labels = runs.map(function (r) { return r.label; });
  var multi = runs.length > 1;
  var colorScale = { domain: labels, range: COLORS.slice(0, runs.length), legend: multi };

  function el(id) { return document.getElementById(id); }
  function widthOf(id) { return Math.max(260, Math.floor(el(id).getBoundingClientRect().width)); }
  function empty(id, message) {
    var p = document.createElement("p");
    p.className = "empty";
    p.textContent = message;
    el(id).append(p);
  }
  function hourTick(h) {
    var d = Math.floor(h / 24), r = h - 24 * d;
    return (d > 0 ? "d" + (d + 1) + " " : "") + String(Math.round(r)).padStart(2, "0") + ":00";
  }
  function rowsOf(key) {
    var out = [];
    runs.forEach(function (r) {
      if (!r.series) return;
      var s = r.series;
      for (var i = 0; i < s.hour.length; i++) {
        var v = s[key][i];
        if (v !== null && v !== undefined) out.push({ hour: s.hour[i], value: v, run: r.label });
      }
    });
    return out;
  }
  function timeAxis() { return { label: "simulated time", tickFormat: hourTick }; }

  function lineChart(id, key, yLabel, extra) {
    var rows = rowsOf(key);
    if (rows.length === 0) { empty(id, "No data for this series in the run's events."); return; }
    var marks = [Plot.ruleY([0]), Plot.lineY(rows, { x: "hour", y: "value", stroke: "run", strokeWidth: 1.6, tip: true })];
    var y = { grid: true, label: yLabel };
    if (extra) extra(marks, y);
    el(id).append(Plot.plot({ width: widthOf(id), height: 230, marginLeft: 48, x: timeAxis(), y: y, color: colorScale, marks: marks }));
  }

  lineChart("chart-open", "open", "orders");
  (function () {
    var online = rowsOf("active"), busy = rowsOf("busy");
    if (online.length === 0) { empty("chart-shoppers", "No shopper events in the run."); return; }
    el("chart-shoppers").append(Plot.plot({
      width: widthOf("chart-shoppers"), height: 230, marginLeft: 48, x: timeAxis(), y: { grid: true, label: "shoppers" },
      color: colorScale,
      marks: [Plot.ruleY([0]),
        Plot.lineY(online, { x: "hour", y: "value", stroke: "run", strokeWidth: 1.6, tip: true }),
        Plot.lineY(busy, { x: "hour", y: "value", stroke: "run", strokeWidth: 1.4, strokeDasharray: "5,3" })]
    }));
  })();
  lineChart("chart-ontime", "onTime", "on time", function (marks, y) {
    y.domain = [0, 1];
    y.tickFormat = function (v) { return Math.round(v * 100) + " %"; };
    if (D.targets && D.targets.onTimeRate !== null) {
      marks.push(Plot.ruleY([D.targets.onTimeRate], { stroke: "#b91c1c", strokeDasharray: "3,3" }));
      marks.push(Plot.text([D.targets.onTimeRate], { y: function (v) { return v; }, frameAnchor: "right", textAnchor: "end", dy: 8, dx: -4, text: function (v) { return "target " + Math.round(v * 100) + " %"; }, fill: "#b91c1c" }));
    }
  });
  (function () {
    var fill = rowsOf("slotFill"), surge = rowsOf("surge");
    if (fill.length === 0 && surge.length === 0) { empty("chart-slots", "No slot events in the run (slot.* with fill or booked/capacity, surge)."); return; }
    var w = widthOf("chart-slots");
    if (fill.length > 0) el("chart-slots").append(Plot.plot({
      width: w, height: surge.length > 0 ? 130 : 230, marginLeft: 48, x: timeAxis(),
      y: { grid: true, label: "slot fill", domain: [0, Math.max(1, d3.max(fill, function (d) { return d.value; }))], tickFormat: function (v) { return Math.round(v * 100) + " %"; } },
      color: colorScale, marks: [Plot.ruleY([1], { stroke: "#94a3b8" }), Plot.lineY(fill, { x: "hour", y: "value", stroke: "run", strokeWidth: 1.6, tip: true })]
    }));
    if (surge.length > 0) el("chart-slots").append(Plot.plot({
      width: w, height: fill.length > 0 ? 120 : 230, marginLeft: 48, x: timeAxis(), y: { grid: true, label: "surge" },
      color: { domain: labels, range: COLORS.slice(0, runs.length), legend: false },
      marks: [Plot.lineY(surge, { x: "hour", y: "value", stroke: "run", strokeWidth: 1.4, strokeDasharray: "5,3", tip: true })]
    }));
  })();

  function histogram(id, h, xLabel, rules) {
    if (h.edges.length === 0) { empty(id, "No samples in the run."); return; }
    var rows = [];
    h.counts.forEach(function (counts, r) {
      counts.forEach(function (c, i) { rows.push({ x1: h.edges[i], x2: h.edges[i + 1], count: c, run: labels[r] }); });
    });
    // y1/y2 rather than y: two runs overlay (semi-transparent) instead of stacking.
    var marks = [Plot.rectY(rows, { x1: "x1", x2: "x2", y1: 0, y2: "count", fill: "run", fillOpacity: multi ? 0.45 : 0.85, insetLeft: 0.5, insetRight: 0.5, tip: true }), Plot.ruleY([0])];
    (rules || []).forEach(function (r) {
      marks.push(Plot.ruleX([r.x], { stroke: r.color, strokeDasharray: r.dash, strokeWidth: 1.5 }));
      marks.push(Plot.text([r.x], { x: function (v) { return v; }, frameAnchor: "top", dy: r.dy, dx: 3, textAnchor: "start", text: function () { return r.text; }, fill: r.color }));
    });
    el(id).append(Plot.plot({ width: widthOf(id), height: 230, marginLeft: 48, x: { label: xLabel }, y: { grid: true, label: "count" }, color: colorScale, marks: marks }));
  }
  var ctdRules = [];
  (D.kpiMarks || []).forEach(function (k, r) {
    if (k.p50 !== null) ctdRules.push({ x: k.p50, color: multi ? COLORS[r] : "#0f172a", dash: "none", text: "p50", dy: 4 + 14 * r });
    if (k.p90 !== null) ctdRules.push({ x: k.p90, color: multi ? COLORS[r] : "#0f172a", dash: "4,3", text: "p90", dy: 4 + 14 * r });
  });
  histogram("chart-ctd", D.hist.clickToDoor, "minutes from order to door", ctdRules);
  histogram("chart-rtp", D.hist.readyToPickup, "minutes", []);
  (function () {
    var b = D.hist.batch;
    if (b.sizes.length === 0) { empty("chart-batch", "No assignments in the run."); return; }
    var rows = [];
    b.counts.forEach(function (counts, r) {
      counts.forEach(function (c, i) { rows.push({ size: b.sizes[i], count: c, run: labels[r] }); });
    });
    var opts = multi
      ? { fx: "size", x: "run", y: "count", fill: "run", tip: true }
      : { x: "size", y: "count", fill: "run", tip: true };
    el("chart-batch").append(Plot.plot({
      width: widthOf("chart-batch"), height: 230, marginLeft: 48,
      x: multi ? { axis: null } : { label: "orders in the batch" }, fx: multi ? { label: "orders in the batch" } : undefined,
      y: { grid: true, label: "batches" }, color: colorScale, marks: [Plot.barY(rows, opts), Plot.ruleY([0])]
    }));
  })();

  // ---- map replay ----
  var RECENT_S = 20 * 60;
  var S = D.states;
  function clock(t) {
    var d = Math.floor(t / 86400), r = t - 86400 * d;
    var hh = Math.floor(r / 3600), mm = Math.floor((r % 3600) / 60);
    return (d > 0 ? "day " + (d + 1) + " " : "") + String(hh).padStart(2, "0") + ":" + String(mm).padStart(2, "0");
  }
  function niceKm(spanM) {
    var steps = [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
    for (var i = 0; i < steps.length; i++) if (spanM / steps[i] <= 8) return steps[i];
    return 100000;
  }

  function MapView(canvas, countsEl, m) {
    var b = m.bounds || [0, 0, 1000, 1000];
    var spanX = Math.max(1, b[2] - b[0]), spanY = Math.max(1, b[3] - b[1]);
    var pad = 0.04 * Math.max(spanX, spanY);
    var minX = b[0] - pad, minY = b[1] - pad;
    spanX += 2 * pad; spanY += 2 * pad;
    var dpr = window.devicePixelRatio || 1;
    var cssW = Math.max(300, canvas.getBoundingClientRect().width);
    var aspect = Math.min(1.2, Math.max(0.45, spanY / spanX));
    var cssH = Math.round(cssW * aspect);
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    canvas.style.height = cssH + "px";
    var ctx = canvas.getContext("2d");
    ctx.scale(dpr, dpr);
    // One scale for both axes, centred: metres stay square.
    var scale = Math.min(cssW / spanX, cssH / spanY);
    var offX = (cssW - spanX * scale) / 2, offY = (cssH - spanY * scale) / 2;
    function px(x) { return offX + (x - minX) * scale; }
    function py(y) { return cssH - offY - (y - minY) * scale; }
    var o = m.orders;

    function frameAt(t) {
      var lo = 0, hi = m.times.length - 1;
      if (hi < 0) return null;
      if (t <= m.times[0]) return { a: 0, b: 0, w: 0 };
      if (t >= m.times[hi]) return { a: hi, b: hi, w: 0 };
      while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (m.times[mid] <= t) lo = mid; else hi = mid; }
      return { a: lo, b: hi, w: (t - m.times[lo]) / Math.max(1, m.times[hi] - m.times[lo]) };
    }
    function shopperAt(f, i) {
      if (f === null) return null;
      var A = m.frames[f.a], B = m.frames[f.b];
      if (3 * i + 2 >= A.length) return null;
      var state = A[3 * i + 2];
      if (state === S.unknown || state === S.offline) return null;
      var x = A[3 * i], y = A[3 * i + 1];
      if (3 * i + 2 < B.length && B[3 * i + 2] !== S.unknown) {
        x += (B[3 * i] - x) * f.w;
        y += (B[3 * i + 1] - y) * f.w;
      }
      return { x: x, y: y, busy: state === S.busy };
    }
    function grid() {
      ctx.fillStyle = "#f8fafc";
      ctx.fillRect(0, 0, cssW, cssH);
      var step = niceKm(Math.max(spanX, spanY));
      ctx.strokeStyle = "#e2e8f0";
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (var gx = Math.ceil(minX / step) * step; gx <= minX + spanX; gx += step) { ctx.moveTo(px(gx), 0); ctx.lineTo(px(gx), cssH); }
      for (var gy = Math.ceil(minY / step) * step; gy <= minY + spanY; gy += step) { ctx.moveTo(0, py(gy)); ctx.lineTo(cssW, py(gy)); }
      ctx.stroke();
      var bar = step * scale;
      ctx.fillStyle = "#334155";
      ctx.fillRect(12, cssH - 16, bar, 3);
      ctx.font = "11px system-ui, sans-serif";
      ctx.fillText(step >= 1000 ? step / 1000 + " km" : step + " m", 12, cssH - 22);
    }
    this.draw = function (t) {
      grid();
      var f = frameAt(t);
      var n = { waiting: 0, assigned: 0, enroute: 0, delivered: 0, cancelled: 0, online: 0, busy: 0 };
      var positions = [];
      for (var s = 0; s < m.shoppers; s++) positions.push(shopperAt(f, s));
      // Recent ends first (underneath), then open orders with a faint line to their shopper.
      for (var i = 0; i < o.placed.length; i++) {
        if (o.placed[i] > t) continue;
        var ended = o.end[i] >= 0 && o.end[i] <= t;
        if (ended) { if (o.kind[i] === 1) n.delivered++; else n.cancelled++; }
        if (o.x[i] === null) continue;
        var X = px(o.x[i]), Y = py(o.y[i]);
        if (ended) {
          if (t - o.end[i] > RECENT_S) continue;
          ctx.fillStyle = o.kind[i] === 1 ? "#86efac" : "#fca5a5";
          ctx.beginPath(); ctx.arc(X, Y, 2.5, 0, 6.2832); ctx.fill();
          continue;
        }
        var assigned = o.assigned[i] >= 0 && o.assigned[i] <= t;
        var enroute = assigned && o.picked[i] >= 0 && o.picked[i] <= t;
        var sp = assigned && o.shopper[i] >= 0 ? positions[o.shopper[i]] : null;
        if (sp) {
          ctx.strokeStyle = enroute ? "rgba(124,58,237,0.35)" : "rgba(37,99,235,0.25)";
          ctx.lineWidth = 1;
          ctx.beginPath(); ctx.moveTo(px(sp.x), py(sp.y)); ctx.lineTo(X, Y); ctx.stroke();
        }
        if (enroute) { n.enroute++; ctx.fillStyle = "#7c3aed"; ctx.beginPath(); ctx.arc(X, Y, 3.5, 0, 6.2832); ctx.fill(); }
        else if (assigned) { n.assigned++; ctx.strokeStyle = "#2563eb"; ctx.lineWidth = 1.6; ctx.beginPath(); ctx.arc(X, Y, 3.5, 0, 6.2832); ctx.stroke(); }
        else { n.waiting++; ctx.fillStyle = "#f59e0b"; ctx.beginPath(); ctx.arc(X, Y, 3.5, 0, 6.2832); ctx.fill(); }
      }
      // Stores larger than shoppers: a shopper picking in a store sits inside its square, both stay visible.
      // Many stores (a restaurant city) get small grey marks so they do not bury the moving parts.
      var many = m.stores.length > 40;
      var half = many ? 3.5 : 7;
      ctx.fillStyle = many ? "#475569" : "#0f172a";
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 1.5;
      for (var k = 0; k + 1 < m.stores.length; k += 2) {
        ctx.fillRect(px(m.stores[k]) - half, py(m.stores[k + 1]) - half, 2 * half, 2 * half);
        ctx.strokeRect(px(m.stores[k]) - half, py(m.stores[k + 1]) - half, 2 * half, 2 * half);
      }
      positions.forEach(function (p) {
        if (!p) return;
        n.online++;
        if (p.busy) n.busy++;
        ctx.fillStyle = p.busy ? "#2563eb" : "#16a34a";
        ctx.strokeStyle = "#ffffff";
        ctx.lineWidth = 1;
        ctx.beginPath(); ctx.arc(px(p.x), py(p.y), 4, 0, 6.2832); ctx.fill(); ctx.stroke();
      });
      canvas.setAttribute("data-t", String(Math.round(t)));
      var sampled = m.ordersShown < m.ordersTotal ? " (map shows " + m.ordersShown + " of " + m.ordersTotal + " orders)" : "";
      countsEl.textContent = "waiting " + n.waiting + " · assigned " + n.assigned + " · on the way " + n.enroute +
        " · delivered " + n.delivered + " · cancelled " + n.cancelled + " · shoppers " + n.online + " (" + n.busy + " busy)" + sampled;
    };
  }

  var views = [];
  var tMin = Infinity, tMax = -Infinity;
  runs.forEach(function (r, i) {
    var canvas = el("map-" + i);
    if (!r.map) {
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#64748b"; ctx.font = "14px system-ui, sans-serif";
      ctx.fillText("No events: nothing to replay.", 20, 30);
      return;
    }
    tMin = Math.min(tMin, r.map.startS);
    tMax = Math.max(tMax, r.map.endS);
    views.push(new MapView(canvas, el("map-counts-" + i), r.map));
  });
  var slider = el("map-time"), clockEl = el("map-clock"), play = el("map-play");
  if (views.length === 0) { slider.disabled = true; play.disabled = true; return; }
  slider.min = String(tMin);
  slider.max = String(tMax);
  function show(t) {
    clockEl.textContent = clock(t);
    views.forEach(function (v) { v.draw(t); });
  }
  // Start where the first run had the most open orders: the busiest moment is the one worth seeing.
  var start = tMin;
  var s0 = runs[0].series;
  if (s0 && s0.open.length > 0) {
    var best = 0;
    for (var i = 1; i < s0.open.length; i++) if (s0.open[i] > s0.open[best]) best = i;
    start = Math.min(tMax, Math.max(tMin, Math.round(s0.hour[best] * 3600)));
  }
  slider.value = String(start);
  show(start);
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  // Play: the whole day in about 40 seconds, from where the slider is.
  var playing = false, last = 0;
  function tick(now) {
    if (!playing) return;
    var dt = last === 0 ? 0 : now - last;
    last = now;
    var t = Number(slider.value) + (tMax - tMin) * dt / 40000;
    if (t >= tMax) { t = tMax; stop(); }
    slider.value = String(t);
    show(Number(slider.value));
    if (playing) requestAnimationFrame(tick);
  }
  function stop() { playing = false; play.textContent = "▶ Play"; }
  play.addEventListener("click", function () {
    if (playing) { stop(); return; }
    if (Number(slider.value) >= tMax) slider.value = String(tMin);
    playing = true; last = 0; play.textContent = "❚❚ Pause";
    requestAnimationFrame(tick);
  });
})();
`;
