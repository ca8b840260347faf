// The jobs list: every job with its state, command, compute target and duration, newest first,
// filtered by state, compute target and experiment (in the address). Refreshes while jobs are unfinished.
import { api, el, enc, fmtDuration, fmtTime, guarded, mount, state, statusBadge, table } from "./studio.js";

const STATES = ["", "Queued", "Preparing", "Running", "Completed", "Failed", "Canceled"];
const box = el("div", { id: "jobs-box" });
const statusSelect = el("select", { id: "job-status", "aria-label": "State", onchange: () => { state.set({ status: statusSelect.value }); load(); } },
  STATES.map((s) => el("option", { value: s, selected: s === state.get("status", "") }, s || "Every state")));
const computeSelect = el("select", { id: "job-compute", "aria-label": "Compute target", onchange: () => { state.set({ compute: computeSelect.value }); load(); } },
  el("option", { value: "" }, "Every target"));
const experimentSelect = el("select", { id: "job-experiment", "aria-label": "Experiment", onchange: () => { state.set({ experiment: experimentSelect.value }); load(); } },
  el("option", { value: "" }, "Every experiment"));
let timer = null;

export function duration(job) {
  if (!job.start_time) return "";
  return fmtDuration((job.end_time || job.heartbeat_time || job.start_time) - job.start_time);
}

async function loadChoices() {
  await guarded(null, async () => {
    const targets = (await api.get("compute")).compute_targets;
    for (const t of targets) computeSelect.append(el("option", { value: t.name, selected: t.name === state.get("compute", "") }, t.name));
    const experiments = (await api.get("experiments")).experiments;
    for (const e of experiments) experimentSelect.append(el("option", { value: e.experiment_id, selected: e.experiment_id === state.get("experiment", "") }, e.name));
  });
}

async function load() {
  clearTimeout(timer);
  await guarded(box, async () => {
    const params = {
      status: state.get("status") || undefined, compute: state.get("compute") || undefined,
      experiment_id: state.get("experiment") || undefined, max_results: 200,
    };
    const jobs = (await api.get("jobs", params)).jobs;
    if (!jobs.length) {
      const filtered = params.status || params.compute || params.experiment_id;
      mount(box, el("p", { class: "empty" }, filtered ? "No job matches these filters."
        : "No jobs yet: submit one with experiment.submit(ScriptRunConfig(...)), `carnet job submit`, or the AutoML form."));
      return;
    }
    mount(box, table([
      { label: "Job", value: (j) => el("a", { href: `/jobs/${enc(j.job_id)}`, class: "job-link" }, j.job_id.slice(0, 8)) },
      { label: "State", value: (j) => statusBadge(j.status) },
      { label: "Command", value: (j) => [j.script, ...j.arguments].join(" ") },
      { label: "Compute", value: (j) => j.compute },
      { label: "Submitted", value: (j) => fmtTime(j.created_time) },
      { label: "Duration", value: duration, num: true },
      { label: "Experiment", value: (j) => el("a", { href: `/experiments/${enc(j.experiment_id)}` }, j.experiment_id) },
    ], jobs, { id: "jobs" }));
    if (jobs.some((j) => !["Completed", "Failed", "Canceled"].includes(j.status))) timer = setTimeout(load, 3000);
  });
}

mount("page",
  el("div", { class: "toolbar" }, statusSelect, computeSelect, experimentSelect, el("span", { class: "spacer" }),
    el("a", { class: "button", href: "/automl/new" }, "New AutoML job"), el("a", { class: "button", href: "/compute" }, "Compute targets")),
  box);
loadChoices();
load();
