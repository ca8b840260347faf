// Metric charts shared by the run and compare pages. A line chart reads the server's downsampled
// chart data (min and max per bucket, about one bucket per pixel) and asks again for the visible
// range when the user zooms, so spikes survive and detail comes back. Smoothing (EMA), log scale
// and the x axis are chart settings kept in the address.
import { api, drawChart, el, enc, fmtValue, smooth, state } from "./studio.js";


/** The chart settings in the address: x (step|time|relative|metric:KEY), smooth (0-0.99), log. */
export function chartSettings() {
  return {
    x: state.get("x", "step"),
    smooth: Number(state.get("smooth", "0")) || 0,
    log: state.get("log", "") === "1",
  };
}

/** The controls that change the settings; `onChange` redraws. `metricKeys`: choices for metric:x. */
export function chartControls(metricKeys, onChange) {
  const settings = chartSettings();
  const x = el("select", { id: "chart-x", "aria-label": "x axis", onchange: (e) => { state.set({ x: e.target.value === "step" ? null : e.target.value }); onChange(); } },
    [["step", "x: step"], ["time", "x: wall time"], ["relative", "x: relative time (s)"],
      ...metricKeys.map((k) => [`metric:${k}`, `x: ${k}`])].map(([v, label]) => el("option", { value: v, selected: v === settings.x }, label)));
  const smoothing = el("input", { type: "range", id: "chart-smooth", min: "0", max: "0.99", step: "0.01", value: String(settings.smooth), "aria-label": "smoothing",
    oninput: (e) => { label.textContent = `smoothing ${Number(e.target.value).toFixed(2)}`; },
    onchange: (e) => { state.set({ smooth: Number(e.target.value) ? e.target.value : null }); onChange(); } });
  const label = el("span", { class: "muted" }, `smoothing ${settings.smooth.toFixed(2)}`);
  const log = el("label", {}, el("input", { type: "checkbox", id: "chart-log", checked: settings.log,
    onchange: (e) => { state.set({ log: e.target.checked ? "1" : null }); onChange(); } }), " log scale");
  return el("div", { class: "toolbar", id: "chart-controls" }, x, smoothing, label, log);
}

function buckets(div) {
  return Math.max(100, Math.min(5000, Math.round(div.clientWidth || 800)));
}

async function fetchSeries(runId, key, settings, div, range) {
  return api.get(`runs/${enc(runId)}/metrics/${enc(key)}/chart`, {
    x: settings.x, buckets: buckets(div), x_min: range ? range[0] : null, x_max: range ? range[1] : null,
  });
}

function xValues(data) {
  return data.x_axis === "time" ? data.x.map((v) => new Date(v)) : data.x;
}

function traces(series, settings) {
  const out = [];
  for (const { label, data } of series) {
    const x = xValues(data);
    if (settings.smooth > 0) {
      out.push({ x, y: data.y, name: `${label} (raw)`, type: "scatter", mode: "lines", opacity: 0.25, showlegend: false, hoverinfo: "skip" });
      out.push({ x, y: smooth(data.y, settings.smooth), name: label, type: "scatter", mode: data.y.length === 1 ? "markers" : "lines" });
    } else {
      out.push({ x, y: data.y, name: label, type: "scatter", mode: data.y.length === 1 ? "markers" : "lines" });
    }
  }
  return out;
}

function xTitle(settings) {
  if (settings.x.startsWith("metric:")) return settings.x.slice(7);
  return { step: "step", time: "wall time", relative: "seconds since the first point" }[settings.x] || settings.x;
}

const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A static SVG drawing of the lines, shown at once while plotly.js loads (it takes a second or
 * more to start): the same points, axes with their extremes; plotly replaces it, interactive. */
function drawPreview(div, series, settings) {
  const width = div.clientWidth || 600;
  const height = div.clientHeight || 300;
  const m = { l: 56, r: 16, t: 28, b: 36 };
  const ty = (v) => (settings.log ? (v > 0 ? Math.log10(v) : NaN) : v);
  const lines = series.map((s) => ({ x: s.data.x, y: (settings.smooth > 0 ? smooth(s.data.y, settings.smooth) : s.data.y).map(ty) }));
  const xs = lines.flatMap((l) => l.x);
  const ys = lines.flatMap((l) => l.y).filter(Number.isFinite);
  if (!xs.length || !ys.length) return false;
  let [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const px = (x) => m.l + ((x - x0) / (x1 - x0)) * (width - m.l - m.r);
  const py = (y) => height - m.b - ((y - y0) / (y1 - y0)) * (height - m.t - m.b);
  const root = svg("svg", { width, height, class: "chart-preview", role: "img", "aria-label": "chart preview" });
  const axis = "var(--border)";
  root.append(svg("line", { x1: m.l, y1: height - m.b, x2: width - m.r, y2: height - m.b, stroke: axis }));
  root.append(svg("line", { x1: m.l, y1: m.t, x2: m.l, y2: height - m.b, stroke: axis }));
  const label = (x, y, text, anchor) => root.append(svg("text", { x, y, "text-anchor": anchor, "font-size": 11, fill: "currentColor" }, text));
  const fx = (v) => (settings.x === "time" ? new Date(v).toLocaleTimeString() : fmtValue(v));
  const fy = (v) => fmtValue(settings.log ? Math.pow(10, v) : v);
  label(m.l, height - m.b + 16, fx(x0), "start");
  label(width - m.r, height - m.b + 16, fx(x1), "end");
  label((m.l + width - m.r) / 2, height - 4, xTitle(settings), "middle");
  label(m.l - 6, height - m.b, fy(y0), "end");
  label(m.l - 6, m.t + 10, fy(y1), "end");
  lines.forEach((l, i) => {
    let d = "";
    let pen = false;
    for (let k = 0; k < l.x.length; k += 1) {
      const y = l.y[k];
      if (!Number.isFinite(y)) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${px(l.x[k]).toFixed(1)},${py(y).toFixed(1)}`;
      pen = true;
    }
    root.append(svg("path", { d, fill: "none", stroke: COLOURS[i % COLOURS.length], "stroke-width": 1.5 }));
  });
  div.replaceChildren(root);
  div.dataset.drawn = "preview";
  return true;
}

/** A line chart of `key` for each of `runs` ([{run_id, label}]) in a card; returns the card. */
export function lineChart(runs, key, settings) {
  const div = el("div", { class: "chart", "data-metric": key });
  const note = el("p", { class: "chart-note" });
  const card = el("section", { class: "chart-card", "data-metric": key }, el("h3", {}, key), div, note);
  let zoomed = null;
  let busy = false;

  async function draw(range) {
    busy = true;
    try {
      const series = await Promise.all(runs.map(async (r) => ({ label: r.label, data: await fetchSeries(r.run_id, key, settings, div, range) })));
      const shown = series.reduce((n, s) => n + s.data.y.length, 0);
      const total = series.reduce((n, s) => n + (range ? s.data.in_range : s.data.total), 0);
      note.textContent = series.some((s) => s.data.downsampled)
        ? `${shown.toLocaleString()} of ${total.toLocaleString()} points drawn (min and max per pixel); zoom in for detail`
        : `${total.toLocaleString()} point${total === 1 ? "" : "s"}`;
      if (!window.Plotly && !range) drawPreview(div, series, settings);
      const xaxis = { title: { text: xTitle(settings) }, type: settings.x === "time" ? "date" : "linear" };
      if (range) xaxis.range = settings.x === "time" ? range.map((v) => new Date(v)) : range;
      else xaxis.autorange = true;
      await drawChart(div, traces(series, settings), {
        xaxis, yaxis: { type: settings.log ? "log" : "linear", autorange: true }, showlegend: runs.length > 1,
      });
      card.dataset.points = String(shown);
      card.dataset.total = String(total);
    } catch (err) {
      note.textContent = err.message;
      note.classList.add("inline-error");
    } finally {
      busy = false;
    }
  }

  let timer = null;
  function onRelayout(event) {
    if (busy) return;
    let range = null;
    if (event["xaxis.range[0]"] !== undefined) range = [event["xaxis.range[0]"], event["xaxis.range[1]"]];
    else if (Array.isArray(event["xaxis.range"])) range = event["xaxis.range"];
    else if (!event["xaxis.autorange"]) return;
    if (range && settings.x === "time") range = range.map((v) => new Date(v).getTime());
    if (JSON.stringify(range) === JSON.stringify(zoomed)) return;
    zoomed = range;
    clearTimeout(timer);
    timer = setTimeout(() => draw(range), 150);
  }

  card.ready = draw(null).then(() => { if (div.on) div.on("plotly_relayout", onRelayout); });
  card.refresh = () => draw(zoomed);
  return card;
}

/** A table of rows (objects) plus a chart of two chosen columns (the first two by default). */
export function rowsChart(key, rows, fmt) {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const pick = (name, fallback) => {
    const value = state.get(`${name}.${key}`);
    return columns.includes(value) ? value : fallback;
  };
  let xCol = pick("cx", columns[0]);
  let yCol = pick("cy", columns[1] || columns[0]);
  const div = el("div", { class: "chart", "data-metric": key });
  const select = (name, value, onSet) => el("select", { "aria-label": `${name} column of ${key}`, onchange: (e) => { onSet(e.target.value); state.set({ [`${name === "x" ? "cx" : "cy"}.${key}`]: e.target.value }); draw(); } },
    columns.map((c) => el("option", { value: c, selected: c === value }, c)));
  function draw() {
    const x = rows.map((r) => r[xCol]);
    const y = rows.map((r) => r[yCol]);
    const categorical = x.some((v) => typeof v !== "number");
    drawChart(div, [{ x: categorical ? x.map(String) : x, y, type: categorical ? "bar" : "scatter", mode: "lines+markers", name: yCol }], {
      xaxis: { title: { text: xCol }, type: categorical ? "category" : "linear" }, yaxis: { title: { text: yCol } }, showlegend: false,
    });
  }
  const tableEl = el("div", { class: "table-wrap" }, el("table", { class: "data" },
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, columns.map((c) => el("td", { class: typeof r[c] === "number" ? "num" : null }, (fmt || fmtValue)(r[c]))))))));
  const card = el("section", { class: "chart-card", "data-metric": key },
    el("h3", {}, key, el("span", { class: "spacer" }), select("x", xCol, (v) => { xCol = v; }), select("y", yCol, (v) => { yCol = v; })),
    tableEl, div);
  card.ready = Promise.resolve().then(draw);
  return card;
}
