// The experiments page: every experiment with its run count and last activity; search by name;
// create, rename, delete and restore. The search text and the view live in the address.
import { api, el, enc, flash, fmtTime, guarded, mount, shortcut, state } from "./studio.js";

const view = () => state.get("view", "active_only");
let experiments = [];

function render() {
  const search = el("input", {
    type: "search", id: "experiment-search", class: "grow", placeholder: "Search experiments by name  ( / )",
    "aria-label": "Search experiments", value: state.get("q", ""),
    oninput: (event) => { state.set({ q: event.target.value }); renderTable(); },
  });
  const viewSelect = el("select", { id: "experiment-view", "aria-label": "Which experiments",
    onchange: (event) => { state.set({ view: event.target.value }, true); load(); } },
    [["active_only", "Active"], ["deleted_only", "Deleted"], ["all", "All"]].map(([v, label]) =>
      el("option", { value: v, selected: v === view() }, label)));
  const nameInput = el("input", { id: "new-experiment-name", placeholder: "New experiment name", "aria-label": "New experiment name" });
  const createError = el("div", { class: "inline-error", id: "create-error" });
  const create = el("form", { class: "toolbar", onsubmit: async (event) => {
    event.preventDefault();
    createError.textContent = "";
    try {
      const made = await api.post("experiments", { name: nameInput.value.trim() });
      flash(`Created ${nameInput.value.trim()}`);
      window.location.href = `/experiments/${enc(made.experiment_id)}`;
    } catch (err) { createError.textContent = err.message; }
  } }, nameInput, el("button", { type: "submit", class: "primary" }, "Create experiment"));
  const tableBox = el("div", { id: "experiments-table" });
  mount("page", el("div", { class: "toolbar" }, search, viewSelect), create, createError, tableBox);
  shortcut("/", () => search.focus());
  renderTable();

  function renderTable() {
    const q = state.get("q", "").toLowerCase();
    const rows = experiments.filter((e) => !q || e.name.toLowerCase().includes(q) || e.experiment_id === q);
    if (!rows.length) {
      mount(tableBox, el("p", { class: "empty" }, experiments.length ? "No experiment matches the search." : "No experiments yet: create one above, or log a run with the SDK."));
      return;
    }
    mount(tableBox, el("div", { class: "table-wrap" }, el("table", { class: "data", id: "experiments" },
      el("thead", {}, el("tr", {}, ["Name", "ID", "Runs", "Last activity", "Created", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.map(row)))));
  }
}

function row(e) {
  const deleted = e.lifecycle_stage === "deleted";
  const actions = el("td", {});
  if (deleted) {
    actions.append(el("button", { type: "button", onclick: () => act(() => api.post(`experiments/${enc(e.experiment_id)}/restore`), `Restored ${e.name}`) }, "Restore"));
  } else {
    actions.append(
      el("button", { type: "button", class: "ghost", onclick: () => rename(e) }, "Rename"),
      el("button", { type: "button", class: "ghost danger", onclick: () => {
        if (window.confirm(`Delete the experiment ${e.name} and its runs? It can be restored.`)) {
          act(() => api.del(`experiments/${enc(e.experiment_id)}`), `Deleted ${e.name}`);
        }
      } }, "Delete"));
  }
  return el("tr", { dataset: { experimentId: e.experiment_id } },
    el("td", {}, deleted ? el("span", { class: "muted" }, e.name, " (deleted)") : el("a", { href: `/experiments/${enc(e.experiment_id)}` }, e.name)),
    el("td", { class: "muted" }, e.experiment_id),
    el("td", { class: "num" }, String(e.run_count)),
    el("td", {}, fmtTime(e.last_activity)),
    el("td", { class: "muted" }, fmtTime(e.creation_time)),
    actions);
}

async function rename(e) {
  const name = window.prompt(`New name for ${e.name}`, e.name);
  if (name === null || name.trim() === e.name) return;
  await act(() => api.patch(`experiments/${enc(e.experiment_id)}`, { name: name.trim() }), `Renamed to ${name.trim()}`);
}

async function act(fn, message) {
  try {
    await fn();
    flash(message);
    await load();
  } catch (err) {
    flash(err.message);
  }
}

async function load() {
  await guarded("page", async () => {
    experiments = (await api.get("experiment-summaries", { view: view() })).experiments;
    render();
  });
}

load();
