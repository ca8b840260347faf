// An experiment's runs table: paged, sorted and filtered on the server (carnet's search grammar,
// errors shown under the box), columns the user picks, children nested under their parents,
// selection -> compare, tag or delete. Everything the user sets lives in the address.
import {
  api, el, enc, flash, fmtDuration, fmtTime, fmtValue, mount, props, setTitle, shortcut, state, statusBadge,
} from "./studio.js";
import { experimentViews } from "./experiment_views.js";

const experimentId = props.experiment_id;
const tokens = [];            // page tokens of the pages before this one (for "Previous")
let current = null;           // the last answer of /runs/table
let poll = null;

const filterInput = el("input", {
  type: "search", id: "run-filter", class: "grow", value: state.get("filter", ""),
  placeholder: "Filter runs: metrics.rmse < 55 and params.alpha = '0.1'   ( / )", "aria-label": "Filter runs",
  spellcheck: "false",
  onkeydown: (event) => { if (event.key === "Enter") { event.preventDefault(); applyFilter(); } },
});
const filterError = el("div", { class: "inline-error", id: "filter-error", role: "alert" });
const tableBox = el("div", { id: "runs-table-box" });
const pager = el("div", { class: "pager" });
const actions = el("div", { class: "toolbar", id: "selection-actions" });
const columnBox = el("div", { class: "panel", id: "column-picker", hidden: true });
const viewBox = el("div", { id: "experiment-view" });

function columns() { return state.getList("cols").filter((c) => c !== "-"); }
function selection() { return state.getList("sel"); }
function order() { return state.get("order", ""); }

function applyFilter() {
  state.set({ filter: filterInput.value.trim(), token: null, sel: null }, true);
  tokens.length = 0;
  load();
}

function setOrder(column) {
  const [key, dir] = order().split(" ");
  const next = key === column && dir !== "DESC" ? `${column} DESC` : `${column} ASC`;
  state.set({ order: next, token: null }, true);
  tokens.length = 0;
  load();
}

async function load({ quiet = false } = {}) {
  const cols = columns();
  const body = {
    experiment_ids: [experimentId],
    filter: state.get("filter", "") || null,
    order_by: order() ? [order()] : null,
    max_results: Number(state.get("size", "50")),
    page_token: state.get("token", null),
    view: state.get("view", "active_only"),
    columns: cols,
    auto_columns: state.get("cols") === null,
  };
  if (!quiet) tableBox.setAttribute("aria-busy", "true");
  try {
    current = await api.post("runs/table", body);
    filterError.textContent = "";
    filterInput.removeAttribute("aria-invalid");
  } catch (err) {
    tableBox.removeAttribute("aria-busy");
    if (err.field === "filter" || err.field === "order_by" || /filter|order/i.test(err.message)) {
      filterError.textContent = err.message;
      filterInput.setAttribute("aria-invalid", "true");
      mount(tableBox, el("p", { class: "empty" }, "Fix the filter to see runs."));
    } else {
      mount(tableBox, el("div", { class: "error-box", role: "alert" }, err.message));
    }
    return;
  }
  tableBox.removeAttribute("aria-busy");
  renderTable();
  renderPager();
  renderActions();
  renderColumnPicker();
  clearTimeout(poll);
  if (current.rows.some((r) => r.status === "Running")) poll = setTimeout(() => load({ quiet: true }), 5000);
}

function headerCell(label, column) {
  const [key, dir] = order().split(" ");
  const sorted = key === column;
  return el("th", { scope: "col", "aria-sort": sorted ? (dir === "DESC" ? "descending" : "ascending") : null },
    el("button", { type: "button", class: "sort", title: `Sort by ${label}`, onclick: () => setOrder(column) },
      label, sorted ? (dir === "DESC" ? " ▼" : " ▲") : ""));
}

function renderTable() {
  const rows = current.rows;
  const cols = current.columns;
  const selected = new Set(selection());
  if (!rows.length) {
    mount(tableBox, el("p", { class: "empty", id: "no-runs" },
      state.get("filter") ? "No run matches the filter." : "No runs in this experiment yet."));
    return;
  }
  const all = el("input", { type: "checkbox", "aria-label": "Select every run on this page",
    checked: rows.every((r) => selected.has(r.run_id)),
    onchange: (event) => {
      const ids = new Set(selection());
      rows.forEach((r) => (event.target.checked ? ids.add(r.run_id) : ids.delete(r.run_id)));
      state.set({ sel: [...ids] });
      renderTable();
      renderActions();
    } });
  const head = el("tr", {}, el("th", { scope: "col" }, all),
    headerCell("Run", "attributes.run_name"), headerCell("Status", "attributes.status"),
    headerCell("Started", "attributes.start_time"), el("th", { scope: "col" }, "Duration"),
    cols.map((c) => headerCell(c.replace(/^attributes\./, ""), c.startsWith("attributes.duration") ? "attributes.end_time" : c)));
  const body = rows.map((r) => {
    const box = el("input", { type: "checkbox", "aria-label": `Select ${r.run_name || r.run_id}`, checked: selected.has(r.run_id),
      onchange: (event) => {
        const ids = new Set(selection());
        if (event.target.checked) ids.add(r.run_id); else ids.delete(r.run_id);
        state.set({ sel: [...ids] });
        renderActions();
      } });
    const name = el("a", { href: `/runs/${enc(r.run_id)}` }, r.run_name || r.run_id.slice(0, 8));
    return el("tr", { class: r.depth ? "child" : null, dataset: { runId: r.run_id } },
      el("td", {}, box),
      el("td", { style: r.depth ? `padding-left: ${10 + r.depth * 18}px` : null }, r.depth ? "↳ " : "", name,
        r.child_count ? el("span", { class: "badge", title: "child runs" }, String(r.child_count)) : null,
        r.lifecycle_stage === "deleted" ? el("span", { class: "badge" }, "deleted") : null),
      el("td", {}, statusBadge(r.status)),
      el("td", {}, fmtTime(r.start_time)),
      el("td", { class: "num" }, r.end_time ? fmtDuration(r.end_time - r.start_time) : ""),
      cols.map((c) => {
        const v = r.values[c];
        const text = c === "attributes.start_time" || c === "attributes.end_time" ? fmtTime(v)
          : c === "attributes.duration" ? fmtDuration(v) : fmtValue(v);
        return el("td", { class: typeof v === "number" ? "num" : null, title: v === null || v === undefined ? null : String(v) }, text);
      }));
  });
  mount(tableBox, el("div", { class: "table-wrap" },
    el("table", { class: "data", id: "runs" }, el("thead", {}, head), el("tbody", {}, body))));
}

function renderPager() {
  const size = el("select", { "aria-label": "Runs per page", id: "page-size", onchange: (event) => {
    state.set({ size: event.target.value, token: null }, true); tokens.length = 0; load();
  } }, ["25", "50", "100", "250", "1000"].map((n) => el("option", { value: n, selected: n === state.get("size", "50") }, `${n} per page`)));
  const prev = el("button", { type: "button", id: "prev-page", disabled: !state.get("token"), onclick: () => {
    state.set({ token: tokens.pop() || null }, true); load();
  } }, "← Previous");
  const next = el("button", { type: "button", id: "next-page", disabled: !current.next_page_token, onclick: () => {
    tokens.push(state.get("token", ""));
    state.set({ token: current.next_page_token }, true); load();
  } }, "Next →");
  mount(pager, prev, next, size, el("span", { class: "muted" }, `${current.rows.length} row${current.rows.length === 1 ? "" : "s"} on this page`));
}

function renderActions() {
  const ids = selection();
  const deletedView = state.get("view", "active_only") === "deleted_only";
  mount(actions,
    el("span", { class: "muted", id: "selection-count" }, `${ids.length} selected`),
    el("button", { type: "button", class: "primary", id: "compare-selected", disabled: ids.length < 2,
      onclick: () => { window.location.href = `/compare?runs=${ids.map(enc).join(",")}`; } }, "Compare"),
    el("button", { type: "button", id: "tag-selected", disabled: !ids.length, onclick: tagSelected }, "Tag…"),
    deletedView
      ? el("button", { type: "button", id: "restore-selected", disabled: !ids.length, onclick: () => bulk("restore") }, "Restore")
      : el("button", { type: "button", class: "danger", id: "delete-selected", disabled: !ids.length, onclick: () => bulk("delete") }, "Delete"),
    ids.length ? el("button", { type: "button", class: "ghost", onclick: () => { state.set({ sel: null }); renderTable(); renderActions(); } }, "Clear selection") : null);
}

async function tagSelected() {
  const text = window.prompt("Tag the selected runs: key=value (key= removes the tag)");
  if (!text) return;
  const at = text.indexOf("=");
  if (at < 1) { flash("Write the tag as key=value"); return; }
  const key = text.slice(0, at).trim();
  const value = text.slice(at + 1).trim();
  const body = value ? { tags: { [key]: value } } : { deleted: [key] };
  await each((id) => api.patch(`runs/${enc(id)}/tags`, body), value ? `Tagged ${key}=${value}` : `Removed tag ${key}`);
}

async function bulk(what) {
  const ids = selection();
  if (what === "delete" && !window.confirm(`Delete ${ids.length} run(s)? They can be restored.`)) return;
  await each((id) => (what === "delete" ? api.del(`runs/${enc(id)}`) : api.post(`runs/${enc(id)}/restore`)),
    what === "delete" ? `Deleted ${ids.length} run(s)` : `Restored ${ids.length} run(s)`);
  state.set({ sel: null });
}

async function each(fn, message) {
  const failures = [];
  for (const id of selection()) {
    try { await fn(id); } catch (err) { failures.push(`${id.slice(0, 8)}: ${err.message}`); }
  }
  flash(failures.length ? `Failed for ${failures.length}: ${failures[0]}` : message);
  await load();
}

function renderColumnPicker() {
  const chosen = new Set(current.columns);
  const groups = ["metrics", "params", "tags", "attributes"].map((group) => {
    const keys = current.available[group] || [];
    const extra = [...chosen].filter((c) => c.startsWith(`${group}.`)).map((c) => c.slice(group.length + 1)).filter((k) => !keys.includes(k));
    return el("fieldset", {}, el("legend", {}, group),
      [...keys, ...extra].map((key) => {
        const column = `${group}.${key}`;
        return el("label", {}, el("input", { type: "checkbox", checked: chosen.has(column), dataset: { column },
          onchange: (event) => {
            const next = current.columns.filter((c) => c !== column);
            if (event.target.checked) next.push(column);
            state.set({ cols: next.length ? next : "-" }, true);
            load();
          } }), " ", key);
      }),
      keys.length || extra.length ? null : el("span", { class: "muted" }, "none on this page"));
  });
  mount(columnBox, el("div", { class: "column-picker" }, groups));
}

function render() {
  setTitle(props.name, el("a", { href: "/" }, "Experiments"));
  const viewSelect = el("select", { id: "run-view", "aria-label": "Which runs", onchange: (event) => {
    state.set({ view: event.target.value, token: null, sel: null }, true); tokens.length = 0; load();
  } }, [["active_only", "Active runs"], ["deleted_only", "Deleted runs"], ["all", "All runs"]].map(([v, label]) =>
    el("option", { value: v, selected: v === state.get("view", "active_only") }, label)));
  const toggleColumns = el("button", { type: "button", id: "choose-columns", "aria-expanded": "false", onclick: () => {
    columnBox.hidden = !columnBox.hidden;
    toggleColumns.setAttribute("aria-expanded", String(!columnBox.hidden));
  } }, "Columns");
  mount("page",
    viewBox,
    el("div", { class: "toolbar" }, filterInput, el("button", { type: "button", class: "primary", id: "apply-filter", onclick: applyFilter }, "Search"),
      viewSelect, toggleColumns),
    filterError, columnBox, actions, tableBox, pager,
    el("p", { class: "muted" }, "Filter grammar: ", el("span", { class: "kbd" }, "metrics.x > 1"), " ",
      el("span", { class: "kbd" }, "params.p = 'a'"), " ", el("span", { class: "kbd" }, "tags.t LIKE 'x%'"), " ",
      el("span", { class: "kbd" }, "attributes.status = 'Failed'"), ", joined with and / or / not."));
  shortcut("/", () => filterInput.focus());
  for (const view of experimentViews) view(viewBox, experimentId);
  window.addEventListener("popstate", () => { filterInput.value = state.get("filter", ""); load(); });
}

render();
load();
