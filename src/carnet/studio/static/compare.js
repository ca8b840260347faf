// Compare runs (`/compare?runs=a,b,c`): params side by side with the differences marked, the
// latest metric values, overlaid metric charts, a scatter of any two columns and parallel
// coordinates from the params to a metric. Every choice lives in the address.
import { api, drawChart, el, enc, errorBox, fmtValue, mount, setTitle, state, statusBadge } from "./studio.js";
import { chartControls, chartSettings, lineChart } from "./charts.js";

const ids = state.getList("runs");

function label(run) {
  return run.info.run_name || run.info.run_id.slice(0, 8);
}

function sideBySide(id, runs, keys, valueOf) {
  const onlyDiff = state.get("diff") === "1";
  const rows = keys.map((key) => {
    const values = runs.map((r) => valueOf(r, key));
    const differs = new Set(values.map((v) => (v === undefined ? "\u0000" : String(v)))).size > 1;
    return { key, values, differs };
  }).filter((row) => !onlyDiff || row.differs);
  if (!rows.length) return el("p", { class: "muted" }, onlyDiff ? "No differences." : "None logged.");
  return el("div", { class: "table-wrap" }, el("table", { class: "data", id },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, ""), runs.map((r) => el("th", { scope: "col" }, el("a", { href: `/runs/${enc(r.info.run_id)}` }, label(r)))))),
    el("tbody", {}, rows.map((row) => el("tr", { class: row.differs ? "diff" : null, dataset: { key: row.key } },
      el("th", { scope: "row" }, row.key, row.differs ? el("span", { class: "badge", title: "the values differ" }, "≠") : null),
      row.values.map((v) => el("td", { class: typeof v === "number" ? "num" : null }, v === undefined ? "—" : fmtValue(v))))))));
}

function numeric(values) {
  return values.every((v) => v === undefined || v === null || (typeof v === "number") || (v !== "" && !Number.isNaN(Number(v))));
}

function columnValues(runs, column) {
  const [kind, ...rest] = column.split(".");
  const key = rest.join(".");
  return runs.map((r) => (kind === "params" ? r.data.params[key] : r.data.metrics[key]));
}

function scatter(runs, columns) {
  if (columns.length < 2) return el("p", { class: "muted" }, "Two params or metrics are needed for a scatter plot.");
  let sx = columns.includes(state.get("sx")) ? state.get("sx") : columns[0];
  let sy = columns.includes(state.get("sy")) ? state.get("sy") : columns[1];
  const div = el("div", { class: "chart", id: "scatter-chart" });
  const pick = (name, value, set) => el("select", { "aria-label": `scatter ${name}`, id: `scatter-${name}`, onchange: (e) => { set(e.target.value); state.set({ [`s${name}`]: e.target.value }); draw(); } },
    columns.map((c) => el("option", { value: c, selected: c === value }, c)));
  function draw() {
    const x = columnValues(runs, sx);
    const y = columnValues(runs, sy);
    const axis = (values, title) => ({ title: { text: title }, type: numeric(values) ? "linear" : "category" });
    drawChart(div, [{ x: x.map((v) => (numeric(x) && v !== undefined ? Number(v) : v)), y: y.map((v) => (numeric(y) && v !== undefined ? Number(v) : v)),
      text: runs.map(label), mode: "markers+text", textposition: "top center", type: "scatter", marker: { size: 10 } }],
    { xaxis: axis(x, sx), yaxis: axis(y, sy), showlegend: false });
  }
  const card = el("section", { class: "chart-card" }, el("h3", {}, "Scatter", pick("x", sx, (v) => { sx = v; }), pick("y", sy, (v) => { sy = v; })), div);
  card.ready = Promise.resolve().then(draw);
  return card;
}

// Parallel coordinates drawn as lines over one axis per column (SVG, so no WebGL is needed):
// each column scaled to its own range (categories spread evenly), each run one line, coloured by
// the chosen metric.
function parallel(runs, params, metrics) {
  if (!params.length || !metrics.length) return el("p", { class: "muted" }, "Parallel coordinates need params and a metric.");
  let target = metrics.includes(state.get("pc")) ? state.get("pc") : metrics[0];
  const div = el("div", { class: "chart", id: "parallel-chart" });
  function scaled(column) {
    const values = columnValues(runs, column);
    const name = column.replace(/^(params|metrics)\./, "");
    if (numeric(values)) {
      const nums = values.map((v) => (v === undefined ? NaN : Number(v)));
      const finite = nums.filter(Number.isFinite);
      const lo = Math.min(...finite);
      const hi = Math.max(...finite);
      return { name, values, y: nums.map((v) => (Number.isFinite(v) ? (hi > lo ? (v - lo) / (hi - lo) : 0.5) : null)), low: fmtValue(lo), high: fmtValue(hi) };
    }
    const levels = [...new Set(values.map(String))].sort();
    return { name, values, y: values.map((v) => (levels.length > 1 ? levels.indexOf(String(v)) / (levels.length - 1) : 0.5)), low: levels[0], high: levels[levels.length - 1] };
  }
  function colour(t) {
    // viridis, three stops: enough to tell the best from the worst
    const stops = [[68, 1, 84], [33, 145, 140], [253, 231, 37]];
    const i = t < 0.5 ? 0 : 1;
    const f = t < 0.5 ? t * 2 : (t - 0.5) * 2;
    const c = stops[i].map((a, k) => Math.round(a + (stops[i + 1][k] - a) * f));
    return `rgb(${c.join(",")})`;
  }
  function draw() {
    const dims = [...params, target].map(scaled);
    const axis = dims.map((d) => d.name);
    const last = dims[dims.length - 1];
    const traces = runs.map((r, i) => ({
      x: axis, y: dims.map((d) => d.y[i]), type: "scatter", mode: "lines+markers", name: label(r),
      line: { color: colour(last.y[i] ?? 0), width: 3 },
      text: dims.map((d) => `${d.name}: ${d.values[i] === undefined ? "—" : fmtValue(d.values[i])}`), hoverinfo: "text+name",
    }));
    const annotations = dims.flatMap((d) => [
      { x: d.name, y: 1.06, text: String(d.high ?? ""), showarrow: false, font: { size: 10 } },
      { x: d.name, y: -0.06, text: String(d.low ?? ""), showarrow: false, font: { size: 10 } },
    ]);
    const shapes = axis.map((name) => ({ type: "line", x0: name, x1: name, y0: 0, y1: 1, line: { width: 1, color: "#888" } }));
    drawChart(div, traces, { xaxis: { type: "category" }, yaxis: { visible: false, range: [-0.12, 1.12] }, annotations, shapes, showlegend: true });
  }
  const select = el("select", { "aria-label": "parallel coordinates metric", id: "parallel-metric", onchange: (e) => { target = e.target.value; state.set({ pc: target }); draw(); } },
    metrics.map((c) => el("option", { value: c, selected: c === target }, c)));
  const card = el("section", { class: "chart-card" }, el("h3", {}, "Parallel coordinates: params → ", select), div);
  card.ready = Promise.resolve().then(draw);
  return card;
}

async function main() {
  setTitle(`Compare ${ids.length} runs`, el("a", { href: "/" }, "Experiments"));
  if (ids.length < 1) {
    mount("page", el("p", { class: "empty" }, "Choose runs to compare: select them in an experiment's runs table, then press Compare."));
    return;
  }
  let runs;
  try {
    runs = (await Promise.all(ids.map((id) => api.get(`runs/${enc(id)}`)))).map((a) => a.run);
  } catch (err) {
    mount("page", errorBox(err, "One of the runs in the address does not exist: go back to the runs table and select them again."));
    return;
  }
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.data.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.data.metrics)))].sort();
  const infos = await Promise.all(runs.map((r) => api.get(`runs/${enc(r.info.run_id)}/metrics`)));
  const seriesKeys = [...new Set(infos.flatMap((i) => i.metrics.filter((m) => (m.kind === "series" || m.kind === "list") && m.count > 1).map((m) => m.name)))].sort();
  const onlyDiff = el("label", {}, el("input", { type: "checkbox", id: "only-diff", checked: state.get("diff") === "1",
    onchange: (e) => { state.set({ diff: e.target.checked ? "1" : null }); main(); } }), " only differences");
  const overlays = el("div", { class: "grid", id: "overlays" });
  const drawOverlays = () => mount(overlays, seriesKeys.map((k) => lineChart(runs.map((r) => ({ run_id: r.info.run_id, label: label(r) })), k, chartSettings())));
  const numericParams = paramKeys.map((k) => `params.${k}`);
  mount("page",
    el("div", { class: "toolbar" }, runs.map((r) => el("span", { class: "badge" }, label(r), " ", statusBadge(r.info.status))), el("span", { class: "spacer" }), onlyDiff),
    el("h2", {}, "Params"), sideBySide("compare-params", runs, paramKeys, (r, k) => r.data.params[k]),
    el("h2", {}, "Latest metrics"), sideBySide("compare-metrics", runs, metricKeys, (r, k) => r.data.metrics[k]),
    seriesKeys.length ? [el("h2", {}, "Metric charts"), chartControls(metricKeys, drawOverlays), overlays] : null,
    el("h2", {}, "Scatter and parallel coordinates"),
    el("div", { class: "grid" }, scatter(runs, [...numericParams, ...metricKeys.map((k) => `metrics.${k}`)]), parallel(runs, numericParams, metricKeys.map((k) => `metrics.${k}`))));
  drawOverlays();
}

main();
