// One job: its state and times, a cancel button, its output as it comes, its snapshot, the files
// of its run (outputs, logs), and for an AutoML job the live leaderboard.
import { api, el, enc, errorBox, fmtBytes, fmtTime, guarded, mount, props, setTitle, statusBadge, table } from "./studio.js";
import { leaderboardView } from "./leaderboard.js";
import { duration } from "./jobs.js";

const TERMINAL = ["Completed", "Failed", "Canceled"];
const jobId = props.job_id;
const summary = el("section", { class: "panel", id: "job-summary" });
const log = el("pre", { class: "code", id: "job-log" });
const board = el("div", { id: "job-leaderboard" });
const snapshot = el("section", { class: "panel", id: "job-snapshot" });
const outputs = el("section", { class: "panel", id: "job-outputs" });
let cursor = 0;
let automl = false;

function cancelButton(job) {
  if (TERMINAL.includes(job.status)) return null;
  return el("button", { type: "button", id: "cancel-job", disabled: job.cancel_requested, onclick: async (event) => {
    event.target.disabled = true;
    await guarded(summary, async () => { showSummary((await api.post(`jobs/${enc(jobId)}/cancel`)).job); });
  } }, job.cancel_requested ? "Cancel asked…" : "Cancel");
}

function showSummary(job) {
  const rows = [
    ["State", el("span", { id: "job-status" }, statusBadge(job.status))],
    ["Command", [job.script, ...job.arguments].join(" ")],
    ["Compute", el("a", { href: "/compute" }, job.compute)],
    ["Environment", job.environment_kind],
    ["Submitted", fmtTime(job.created_time)], ["Started", fmtTime(job.start_time)], ["Ended", fmtTime(job.end_time)],
    ["Duration", duration(job)], ["Worker", job.worker_id || ""],
    ["Run", el("a", { href: `/runs/${enc(job.job_id)}` }, job.job_id)],
  ];
  mount(summary, el("div", { class: "toolbar" }, el("h2", {}, "Job"), el("span", { class: "spacer" }), cancelButton(job)),
    table([{ label: "", value: (r) => r[0] }, { label: "", value: (r) => r[1] }], rows, { id: "job-fields" }),
    job.error ? el("div", { class: "error-box", id: "job-error" }, job.error) : null);
}

async function readLog() {
  for (;;) {
    const chunk = await api.get(`jobs/${enc(jobId)}/logs`, { cursor });
    if (chunk.text) log.append(chunk.text);
    if (chunk.cursor === cursor) return;
    cursor = chunk.cursor;
  }
}

async function showSnapshot() {
  await guarded(snapshot, async () => {
    const files = (await api.get(`jobs/${enc(jobId)}/snapshot`)).files;
    mount(snapshot, el("h2", {}, "Snapshot"), table([
      { label: "File", value: (f) => el("a", { href: `/api/v1/jobs/${enc(jobId)}/snapshot/file?path=${enc(f.path)}`, download: f.path.split("/").pop() }, f.path) },
      { label: "Size", value: (f) => fmtBytes(f.size), num: true },
    ], files, { id: "snapshot-files" }));
  });
}

async function showOutputs() {
  await guarded(outputs, async () => {
    const listing = async (path) => (await api.get(`runs/${enc(jobId)}/artifacts`, { path })).files;
    const top = (await listing(undefined)).filter((f) => f.is_dir && ["outputs", "logs"].includes(f.path));
    const files = [];
    for (const folder of top) files.push(...(await listing(folder.path)).filter((f) => !f.is_dir));
    const link = (f) => el("a", { href: `/api/v1/runs/${enc(jobId)}/artifacts/file?path=${enc(f.path)}`, download: f.path.split("/").pop() }, f.path);
    mount(outputs, el("h2", {}, "Outputs"),
      files.length
        ? table([{ label: "File", value: link }, { label: "Size", value: (f) => fmtBytes(f.size), num: true }], files, { id: "output-files" })
        : el("p", { class: "muted" }, "Files the script writes to ./outputs appear here when it ends."),
      el("a", { href: `/runs/${enc(jobId)}?tab=files` }, "Every file of the run"));
  });
}

async function showLeaderboard() {
  const holder = el("div");
  await leaderboardView(holder, props.experiment_id);
  mount(board, holder);
}

async function refresh() {
  let job;
  try {
    job = (await api.get(`jobs/${enc(jobId)}`)).job;
  } catch (err) {
    mount(summary, errorBox(err));
    setTimeout(refresh, 3000);
    return;
  }
  showSummary(job);
  await guarded(null, readLog);
  if (automl) await showLeaderboard();
  if (TERMINAL.includes(job.status)) {
    await showOutputs();
    return;
  }
  setTimeout(refresh, 1000);
}

async function start() {
  setTitle(`Job ${jobId.slice(0, 8)}`, el("a", { href: "/jobs" }, "Jobs"));
  await guarded(null, async () => {
    const run = (await api.get(`runs/${enc(jobId)}`)).run;
    automl = (run.data.tags || {})["carnet.job"] === "automl";
  });
  mount("page", summary, board, el("section", { class: "panel" }, el("h2", {}, "Output"), log), outputs, snapshot);
  mount(outputs, el("h2", {}, "Outputs"), el("p", { class: "muted" }, "Files the script writes to ./outputs appear here when it ends."));
  showSnapshot();
  refresh();
}
start();
