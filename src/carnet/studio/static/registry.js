// Pieces shared by the model pages: stage and alias badges, the stage and alias controls, and
// the change history.
import { api, el, enc, flash, fmtTime, table } from "./studio.js";

export const STAGES = ["None", "Staging", "Production", "Archived"];

export function stageBadge(stage) {
  return el("span", { class: `badge stage-${stage}`, title: "stage" }, stage);
}

export function aliasBadges(aliases) {
  return (aliases || []).map((a) => el("span", { class: "badge alias", title: "alias" }, `@${a}`));
}

/** A select that moves `version` to another stage; `done` runs after a change. */
export function stageControl(name, version, done, errorBox) {
  const archive = el("input", { type: "checkbox", id: `archive-${version.version}` });
  const select = el("select", { "aria-label": `stage of version ${version.version}`, id: `stage-${version.version}`,
    onchange: async (event) => {
      const stage = event.target.value;
      errorBox.textContent = "";
      try {
        await api.post(`registered-models/${enc(name)}/versions/${enc(version.version)}/stage`,
          { stage, archive_existing_versions: archive.checked && (stage === "Staging" || stage === "Production") });
        flash(`Version ${version.version} moved to ${stage}`);
        done();
      } catch (err) {
        errorBox.textContent = err.message;
        event.target.value = version.current_stage;
      }
    } }, STAGES.map((s) => el("option", { value: s, selected: s === version.current_stage }, s)));
  return el("span", { class: "stage-control" }, select, " ", el("label", { title: "move the model's other versions in that stage to Archived" }, archive, " archive others"));
}

/** A small form that points an alias at `versionNumber`, and buttons that remove its aliases. */
export function aliasControl(name, versionNumber, aliases, done, errorBox) {
  const input = el("input", { placeholder: "alias", "aria-label": `new alias for version ${versionNumber}`, id: `alias-${versionNumber}`, size: 10 });
  const form = el("form", { class: "toolbar", onsubmit: async (event) => {
    event.preventDefault();
    errorBox.textContent = "";
    try {
      await api.put(`registered-models/${enc(name)}/aliases/${enc(input.value.trim())}`, { version: Number(versionNumber) });
      flash(`@${input.value.trim()} now points at version ${versionNumber}`);
      done();
    } catch (err) { errorBox.textContent = err.message; }
  } }, input, el("button", { type: "submit" }, "Set alias"),
  (aliases || []).map((a) => el("button", { type: "button", class: "ghost danger", title: `remove @${a}`, onclick: async () => {
    try {
      await api.del(`registered-models/${enc(name)}/aliases/${enc(a)}`);
      flash(`Removed @${a}`);
      done();
    } catch (err) { errorBox.textContent = err.message; }
  } }, `✕ @${a}`)));
  return form;
}

export async function historyTable(name, version) {
  const events = (await api.get(`registered-models/${enc(name)}/history`, { version })).events;
  if (!events.length) return el("p", { class: "muted" }, "No changes yet.");
  return table([
    { label: "When", value: (e) => fmtTime(e.timestamp) },
    { label: "Version", value: (e) => String(e.version) },
    { label: "Change", value: (e) => e.kind.replace(/_/g, " ") },
    { label: "From", value: (e) => e.from_value || "" },
    { label: "To", value: (e) => e.to_value || "" },
    { label: "By", value: (e) => e.user_id || "" },
  ], events.slice().reverse(), { id: "history" });
}
