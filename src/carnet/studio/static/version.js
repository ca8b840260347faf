// A model version: stage and aliases (changed here, with their history), the source run, the
// signature from its MLmodel file, and its files with previews.
import { api, el, enc, errorBox, fmtTime, mount, props, setTitle, table } from "./studio.js";
import { aliasBadges, aliasControl, historyTable, stageBadge, stageControl } from "./registry.js";
import { fileBrowser } from "./files.js";
import { versionPanels } from "./version_panels.js";
import { useModelPanel } from "./use_model.js";

const { name, version } = props;
const base = `registered-models/${enc(name)}/versions/${enc(version)}`;

async function main() {
  setTitle(`Version ${version}`, el("span", {}, el("a", { href: "/models" }, "Models"), " / ", el("a", { href: `/models/${enc(name)}` }, name)));
  let answer;
  try {
    answer = await api.get(base);
  } catch (err) {
    mount("page", errorBox(err, el("a", { href: `/models/${enc(name)}` }, `All versions of ${name}`)));
    return;
  }
  const v = answer.model_version;
  const problems = el("div", { class: "inline-error", id: "registry-error", role: "alert" });
  const signature = el("div", { id: "signature-box" });
  const history = el("div", { id: "history-box" });
  const panels = el("div", { id: "version-panels" });
  const files = fileBrowser(`${base}/files`);
  mount("page",
    el("div", { class: "panel" }, el("dl", { class: "facts", id: "version-facts" },
      el("dt", {}, "Stage"), el("dd", { id: "version-stage" }, stageBadge(v.current_stage), " ", aliasBadges(v.aliases)),
      el("dt", {}, "Registered"), el("dd", {}, fmtTime(v.creation_timestamp), v.user_id ? ` by ${v.user_id}` : ""),
      el("dt", {}, "Source run"), el("dd", {}, v.run_id ? el("a", { href: `/runs/${enc(v.run_id)}`, id: "source-run" }, v.run_id) : "—"),
      answer.experiment_id ? [el("dt", {}, "Experiment"), el("dd", {}, el("a", { href: `/experiments/${enc(answer.experiment_id)}` }, answer.experiment_id))] : null,
      el("dt", {}, "Source"), el("dd", {}, v.source),
      v.description ? [el("dt", {}, "Description"), el("dd", {}, v.description)] : null,
      (answer.datasets || []).length ? [el("dt", {}, "Datasets"), el("dd", {}, answer.datasets.map((d) => el("span", { class: "badge" }, d.dataset.name)))] : null)),
    el("h2", {}, "Stage and aliases"), problems,
    el("div", { class: "toolbar" }, stageControl(name, v, main, problems)),
    aliasControl(name, v.version, v.aliases, main, problems),
    panels,
    el("h2", {}, "Use this model"), useModelPanel(name, version),
    el("h2", {}, "Signature"), signature,
    el("h2", {}, "Files"), files,
    el("h2", {}, "History"), history);
  for (const panel of versionPanels) panel(panels, { name, version, modelVersion: v });
  mount(history, await historyTable(name, version));
  try {
    const mlmodel = await api.get(`${base}/files/preview`, { path: "MLmodel" });
    const sig = mlmodel.signature;
    mount(signature, sig ? el("div", { class: "grid" },
      ...["inputs", "outputs"].map((side) => el("div", {}, el("h3", {}, side),
        table([{ label: "Name", value: (c) => c.name }, { label: "Type", value: (c) => c.type }], sig[side] || []))))
      : el("p", { class: "muted" }, "The MLmodel file has no signature."),
    mlmodel.flavors ? el("p", {}, "Flavors: ", mlmodel.flavors.map((f) => el("span", { class: "badge" }, f))) : null);
  } catch (err) {
    mount(signature, el("p", { class: "muted" }, err.status === 404 ? "No MLmodel file in this version." : err.message));
  }
}

main();
