// A run: overview, metrics (each kind with its chart), params, tags (editable), files with
// previews, and logs. A Running run refreshes itself every few seconds. The tab and the chart
// settings live in the address.
import {
  api, el, enc, errorBox, flash, fmtDuration, fmtTime, fmtValue, mount, props, setTitle, state, statusBadge, table, tabs,
} from "./studio.js";
import { chartControls, chartSettings, lineChart, rowsChart } from "./charts.js";
import { fileBrowser } from "./files.js";

const runId = props.run_id;
const body = el("div", { id: "tab-body" });
let run = null;
let infos = [];
let experiment = null;
let liveTimer = null;
let charts = [];

const TABS = [["overview", "Overview"], ["metrics", "Metrics"], ["params", "Params"], ["tags", "Tags"], ["files", "Files"], ["logs", "Logs"]];

async function load() {
  // All three at once: the experiment id comes with the page, so the header need not wait.
  const [got, metricInfos, exp] = await Promise.all([
    api.get(`runs/${enc(runId)}`),
    api.get(`runs/${enc(runId)}/metrics`),
    experiment ? null : api.get(`experiments/${enc(props.experiment_id)}`),
  ]);
  run = got.run;
  infos = metricInfos.metrics;
  if (exp) experiment = exp.experiment;
}

function header() {
  const info = run.info;
  setTitle(info.run_name || info.run_id, el("span", {}, el("a", { href: "/" }, "Experiments"), " / ",
    el("a", { href: `/experiments/${enc(info.experiment_id)}` }, experiment.name)));
}

function overview() {
  const i = run.info;
  const facts = [
    ["Status", el("span", { id: "run-status" }, statusBadge(i.status))],
    ["Run ID", i.run_id],
    ["Started", fmtTime(i.start_time)],
    ["Ended", fmtTime(i.end_time)],
    ["Duration", i.end_time ? fmtDuration(i.end_time - i.start_time) : i.status === "Running" ? `${fmtDuration(Date.now() - i.start_time)} so far` : ""],
    ["User", i.user_id],
    ["Source", [i.source_type, i.source_name].filter(Boolean).join(" · ")],
    ["Git commit", i.git_commit ? `${i.git_commit}${i.git_dirty ? " (uncommitted changes)" : ""}` : ""],
    ["Parent run", i.parent_run_id ? el("a", { href: `/runs/${enc(i.parent_run_id)}`, id: "parent-link" }, i.parent_run_id) : ""],
    ["Files", i.artifact_uri],
    ["Description", i.description],
  ];
  const children = el("div", { id: "children" });
  api.post("runs/search", { experiment_ids: [i.experiment_id], filter: `attributes.parent_run_id = '${i.run_id}'`, max_results: 200 })
    .then((page) => {
      if (page.runs.length) {
        mount(children, el("h2", {}, `Child runs (${page.runs.length})`), table([
          { label: "Run", value: (r) => el("a", { href: `/runs/${enc(r.info.run_id)}` }, r.info.run_name || r.info.run_id) },
          { label: "Status", value: (r) => statusBadge(r.info.status) },
          { label: "Started", value: (r) => fmtTime(r.info.start_time) },
        ], page.runs));
      }
    })
    .catch((err) => mount(children, errorBox(err)));
  const scalars = infos.filter((m) => (m.kind === "series" || m.kind === "list") && m.last_value !== null);
  return el("div", {},
    el("div", { class: "panel" }, el("dl", { class: "facts", id: "run-facts" }, facts.filter(([, v]) => v !== "" && v !== null).map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]))),
    editor(),
    scalars.length ? [el("h2", {}, "Latest metric values"), table([
      { label: "Metric", value: (m) => m.name },
      { label: "Latest", value: (m) => fmtValue(m.last_value), num: true },
      { label: "Points", value: (m) => String(m.count), num: true },
    ], scalars)] : null,
    children);
}

function editor() {
  // The run's name and description, editable whatever its status.
  const error = el("div", { class: "inline-error", id: "edit-error" });
  const name = el("input", { id: "run-name", value: run.info.run_name, "aria-label": "run name", size: 40 });
  const description = el("textarea", { id: "run-description", rows: 3, cols: 60, "aria-label": "description",
    placeholder: "What this run tried, what it found" }, run.info.description || "");
  const save = async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await api.patch(`runs/${enc(runId)}`, { run_name: name.value.trim(), description: description.value });
      flash("Saved");
      await load();
      header();
    } catch (err) { error.textContent = err.message; }
  };
  return el("details", { class: "panel", id: "run-editor" }, el("summary", {}, "Edit name and description"),
    el("form", { onsubmit: save }, el("div", { class: "toolbar" }, name), el("div", { class: "toolbar" }, description),
      el("button", { type: "submit", class: "primary", id: "save-run" }, "Save")), error);
}

function metricsTab() {
  charts = [];
  const numeric = infos.filter((m) => m.kind === "series" || m.kind === "list");
  const lines = numeric.filter((m) => m.count > 1);
  const single = numeric.filter((m) => m.count <= 1);
  const grid = el("div", { class: "grid", id: "charts" });
  const settings = chartSettings();
  for (const m of lines) {
    const card = lineChart([{ run_id: runId, label: run.info.run_name || runId.slice(0, 8) }], m.name, settings);
    charts.push(card);
    grid.append(card);
  }
  const structured = el("div", { class: "grid", id: "structured" });
  for (const m of infos.filter((x) => x.kind === "row" || x.kind === "table")) {
    const holder = el("div", {});
    structured.append(holder);
    api.get(`runs/${enc(runId)}/metrics/${enc(m.name)}/records`).then((answer) => {
      const rows = m.kind === "row" ? answer.records.map((r) => r.payload) : tableRows(answer.records);
      holder.replaceWith(rowsChart(m.name, rows));
    }).catch((err) => mount(holder, errorBox(err)));
  }
  const galleries = el("div", { id: "galleries" });
  for (const m of infos.filter((x) => x.kind === "image")) {
    const holder = el("div", {});
    galleries.append(holder);
    api.get(`runs/${enc(runId)}/metrics/${enc(m.name)}/records`).then((answer) => holder.replaceWith(gallery(m.name, answer.records)))
      .catch((err) => mount(holder, errorBox(err)));
  }
  return el("div", {},
    lines.length ? chartControls(numeric.map((m) => m.name), () => mount(body, metricsTab())) : null,
    single.length ? el("div", { class: "panel" }, el("h3", {}, "Single values"), el("dl", { class: "facts" }, single.map((m) => [el("dt", {}, m.name), el("dd", {}, fmtValue(m.last_value))]))) : null,
    grid, structured, galleries,
    infos.length ? null : el("p", { class: "empty" }, "This run logged no metrics."));
}

function tableRows(records) {
  // A table metric is columns of values; the last logging of it is the table shown.
  const columns = records.length ? records[records.length - 1].payload : {};
  const names = Object.keys(columns);
  const n = Math.max(0, ...names.map((c) => columns[c].length));
  return Array.from({ length: n }, (_, i) => Object.fromEntries(names.map((c) => [c, columns[c][i]])));
}

function gallery(name, records) {
  const key = `img.${name}`;
  let at = Math.min(Number(state.get(key, String(records.length - 1))) || 0, records.length - 1);
  const img = el("img", { alt: `${name}`, class: "gallery-image" });
  const label = el("span", { class: "muted" });
  const slider = el("input", { type: "range", min: "0", max: String(records.length - 1), value: String(at), "aria-label": `${name} step`,
    oninput: (e) => { at = Number(e.target.value); state.set({ [key]: String(at) }); show(); } });
  function show() {
    const payload = records[at].payload;
    img.src = `/api/v1/runs/${enc(runId)}/artifacts/file?path=${encodeURIComponent(payload.path)}`;
    label.textContent = `step ${payload.step ?? at} · ${at + 1} of ${records.length}`;
  }
  show();
  return el("section", { class: "chart-card gallery", "data-metric": name }, el("h3", {}, name), el("div", { class: "toolbar" }, slider, label), img);
}

function paramsTab() {
  const entries = Object.entries(run.data.params).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return el("p", { class: "empty" }, "This run logged no params.");
  return table([{ label: "Param", value: (e) => e[0] }, { label: "Value", value: (e) => e[1] }], entries, { id: "params" });
}

function tagsTab() {
  const entries = Object.entries(run.data.tags).filter(([k]) => !k.startsWith("mlflow.")).sort(([a], [b]) => a.localeCompare(b));
  const error = el("div", { class: "inline-error", id: "tag-error" });
  const save = async (tags, deleted, message) => {
    error.textContent = "";
    try {
      await api.patch(`runs/${enc(runId)}/tags`, { tags, deleted });
      flash(message);
      await load();
      mount(body, tagsTab());
    } catch (err) { error.textContent = err.message; }
  };
  const key = el("input", { placeholder: "key", id: "new-tag-key", "aria-label": "tag key" });
  const value = el("input", { placeholder: "value", id: "new-tag-value", "aria-label": "tag value" });
  return el("div", {},
    el("div", { id: "tags" }, entries.map(([k, v]) => {
      const input = el("input", { value: v, "aria-label": `value of ${k}` });
      return el("div", { class: "tag-row", dataset: { tag: k } }, el("strong", {}, k), input,
        el("button", { type: "button", onclick: () => save({ [k]: input.value }, [], `Saved ${k}`) }, "Save"),
        el("button", { type: "button", class: "ghost danger", onclick: () => save({}, [k], `Removed ${k}`) }, "Remove"));
    }), entries.length ? null : el("p", { class: "muted" }, "No tags yet.")),
    el("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); save({ [key.value.trim()]: value.value }, [], `Added ${key.value.trim()}`); } },
      key, value, el("button", { type: "submit", class: "primary", id: "add-tag" }, "Add tag")),
    error);
}

function logsTab() {
  const box = el("div", { id: "logs" }, el("p", { class: "muted" }, "Looking for log files…"));
  (async () => {
    const found = [];
    const walk = async (path, depth) => {
      const files = (await api.get(`runs/${enc(runId)}/artifacts`, { path })).files;
      for (const f of files) {
        if (f.is_dir && depth < 2) await walk(f.path, depth + 1);
        else if (!f.is_dir && (/\.(log|txt|out|err)$/i.test(f.path) || f.path.startsWith("logs/"))) found.push(f.path);
      }
    };
    try {
      await walk(null, 0);
    } catch (err) { mount(box, errorBox(err)); return; }
    if (!found.length) { mount(box, el("p", { class: "empty" }, "This run has no log files (files named *.log, *.txt, or under logs/).")); return; }
    const browser = fileBrowser(`runs/${enc(runId)}/artifacts`);
    mount(box, el("p", { class: "muted" }, `${found.length} log file(s)`), browser);
    await browser.ready;
    if (!state.get("file")) browser.show(found[0]);
  })();
  return box;
}

function renderTab(name) {
  clearTimeout(liveTimer);
  const tab = { overview, metrics: metricsTab, params: paramsTab, tags: tagsTab, files: () => fileBrowser(`runs/${enc(runId)}/artifacts`), logs: logsTab }[name] || overview;
  mount(body, tab());
  live();
}

function live() {
  // A running run: poll its status and redraw what the tab shows, without a reload.
  if (run.info.status !== "Running") return;
  liveTimer = setTimeout(async () => {
    try {
      await load();
      const tab = state.get("tab", "overview");
      if (tab === "overview") mount(body, overview());
      else if (tab === "metrics" && charts.length === infos.filter((m) => (m.kind === "series" || m.kind === "list") && m.count > 1).length) charts.forEach((c) => c.refresh());
      else if (tab === "metrics") mount(body, metricsTab());
      header();
    } catch (err) { /* the next poll tries again */ }
    live();
  }, 3000);
}

async function main() {
  try {
    await load();
  } catch (err) {
    mount("page", errorBox(err, el("a", { href: "/" }, "Back to the experiments")));
    return;
  }
  header();
  const current = state.get("tab", "overview");
  mount("page", tabs(TABS, current, renderTab), body);
  renderTab(current);
}

main();
