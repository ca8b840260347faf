// A registered model: its versions with stage and alias badges, stage and alias changes made
// here, and the history of those changes.
import { api, el, enc, errorBox, fmtTime, mount, props, setTitle } from "./studio.js";
import { aliasBadges, aliasControl, historyTable, stageBadge, stageControl } from "./registry.js";

const name = props.name;

async function main() {
  setTitle(name, el("a", { href: "/models" }, "Models"));
  let model;
  let versions;
  try {
    model = (await api.get(`registered-models/${enc(name)}`)).registered_model;
    versions = (await api.post("model-versions/search", { filter: `name = '${name.replace(/'/g, "''")}'`, max_results: 1000, order_by: ["version_number DESC"] })).model_versions;
  } catch (err) {
    mount("page", errorBox(err, el("a", { href: "/models" }, "All models")));
    return;
  }
  const problems = el("div", { class: "inline-error", id: "registry-error", role: "alert" });
  const history = el("div", { id: "history-box" });
  mount("page",
    model.description ? el("p", {}, model.description) : null,
    el("h2", {}, `Versions (${versions.length})`), problems,
    el("div", { class: "table-wrap" }, el("table", { class: "data", id: "versions" },
      el("thead", {}, el("tr", {}, ["Version", "Stage", "Aliases", "Registered", "Source run", "Change stage", "Change aliases"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, versions.map((v) => el("tr", { dataset: { version: String(v.version) } },
        el("td", {}, el("a", { href: `/models/${enc(name)}/versions/${v.version}` }, `Version ${v.version}`)),
        el("td", {}, stageBadge(v.current_stage)),
        el("td", {}, aliasBadges(v.aliases)),
        el("td", {}, fmtTime(v.creation_timestamp)),
        el("td", {}, v.run_id ? el("a", { href: `/runs/${enc(v.run_id)}` }, v.run_id.slice(0, 8)) : ""),
        el("td", {}, stageControl(name, v, main, problems)),
        el("td", {}, aliasControl(name, v.version, v.aliases, main, problems))))))),
    el("h2", {}, "History"), history);
  mount(history, await historyTable(name, null));
}

main();
