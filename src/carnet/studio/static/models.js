// Registered models: search by name, each with its latest versions by stage and its aliases.
import { api, el, enc, fmtTime, guarded, mount, shortcut, state } from "./studio.js";
import { stageBadge } from "./registry.js";

const search = el("input", { type: "search", id: "model-search", class: "grow", value: state.get("q", ""),
  placeholder: "Search models by name  ( / )", "aria-label": "Search models",
  onkeydown: (e) => { if (e.key === "Enter") { state.set({ q: search.value.trim() }); load(); } } });
const box = el("div", { id: "models-box" });

async function load() {
  const q = state.get("q", "");
  const filter = q ? `name ILIKE '%${q.replace(/'/g, "''")}%'` : null;
  await guarded(box, async () => {
    const models = (await api.post("registered-models/search", { filter, max_results: 1000, order_by: ["name ASC"] })).registered_models;
    if (!models.length) {
      mount(box, el("p", { class: "empty" }, q ? "No model matches the search." : "No registered models yet: register one with run.register_model(...) or mlflow.register_model(...)."));
      return;
    }
    mount(box, el("div", { class: "table-wrap" }, el("table", { class: "data", id: "models" },
      el("thead", {}, el("tr", {}, ["Name", "Latest versions", "Aliases", "Updated", "Description"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, models.map((m) => el("tr", { dataset: { model: m.name } },
        el("td", {}, el("a", { href: `/models/${enc(m.name)}` }, m.name)),
        el("td", {}, m.latest_versions.map((v) => el("a", { href: `/models/${enc(m.name)}/versions/${v.version}`, class: "version-link" }, `v${v.version} `, stageBadge(v.current_stage)))),
        el("td", {}, Object.entries(m.aliases).map(([a, v]) => el("span", { class: "badge alias" }, `@${a} → v${v}`))),
        el("td", {}, fmtTime(m.last_updated_timestamp)),
        el("td", { class: "muted" }, m.description)))))));
  });
}

mount("page", el("div", { class: "toolbar" }, search, el("button", { type: "button", class: "primary", onclick: () => { state.set({ q: search.value.trim() }); load(); } }, "Search")), box);
shortcut("/", () => search.focus());
load();
