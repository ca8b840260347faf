// The AutoML form: a dataset file, the task, the target column, the metric, the model families,
// the time budget and the experiment. It submits AutoML as a job (`carnet automl run ...` on the
// chosen compute target) and opens the job's page, which shows the live leaderboard.
import { api, el, guarded, mount } from "./studio.js";

const METRICS = {
  classification: ["", "roc_auc", "log_loss", "accuracy", "f1", "precision", "recall"],
  regression: ["", "rmse", "mae", "r2", "mape"],
  forecasting: ["", "mase", "smape", "rmse"],
};
const FRAMEWORKS = ["logistic_regression", "decision_tree", "random_forest", "extra_trees", "lightgbm", "xgboost", "sgd", "elastic_net", "seasonal_naive", "ets", "arima", "gbm_lags", "prophet"];

const field = (label, control) => el("label", { class: "form-field" }, el("span", { class: "muted" }, label), " ", control);
const file = el("input", { type: "file", id: "automl-file", accept: ".csv,.tsv,.parquet,.pq", required: true });
const task = el("select", { id: "automl-task" }, Object.keys(METRICS).map((t) => el("option", { value: t }, t)));
const target = el("input", { id: "automl-target", placeholder: "the column to predict", required: true });
const metric = el("select", { id: "automl-metric" });
const frameworks = el("input", { id: "automl-frameworks", placeholder: "all (or e.g. lightgbm,random_forest)", list: "automl-framework-names" });
const timeout = el("input", { id: "automl-timeout", value: "5m" });
const experiment = el("input", { id: "automl-experiment", value: "automl" });
const compute = el("select", { id: "automl-compute" });
const errors = el("div", { id: "automl-error" });
const submit = el("button", { type: "submit", class: "primary", id: "automl-submit" }, "Start AutoML");

function fillMetrics() {
  mount(metric, METRICS[task.value].map((m) => el("option", { value: m }, m || "the task's default")));
}
task.addEventListener("change", fillMetrics);
fillMetrics();

function base64Of(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return window.btoa(binary);
}

async function send(event) {
  event.preventDefault();
  mount(errors);
  const chosen = file.files[0];
  if (!chosen) { mount(errors, el("div", { class: "error-box" }, "Choose a dataset file (CSV, TSV or Parquet).")); return; }
  submit.disabled = true;
  await guarded(errors, async () => {
    const body = {
      file_name: chosen.name, content: base64Of(await chosen.arrayBuffer()), task: task.value, target: target.value.trim(),
      timeout: timeout.value.trim(), metric: metric.value || null, experiment: experiment.value.trim(), compute: compute.value,
      frameworks: frameworks.value.split(",").map((f) => f.trim()).filter(Boolean),
    };
    const job = (await api.post("jobs/automl", body)).job;
    window.location.assign(`/jobs/${encodeURIComponent(job.job_id)}`);
  });
  submit.disabled = false;
}

async function start() {
  await guarded(errors, async () => {
    for (const t of (await api.get("compute")).compute_targets) compute.append(el("option", { value: t.name }, t.name));
  });
  mount("page", el("form", { id: "automl-form", class: "panel", onsubmit: send },
    el("p", { class: "muted" }, "AutoML runs as a job: a worker trains the models and the job's page shows the leaderboard as trials finish."),
    field("Dataset", file), field("Task", task), field("Target column", target), field("Metric", metric),
    field("Model families", frameworks), el("datalist", { id: "automl-framework-names" }, FRAMEWORKS.map((f) => el("option", { value: f }))),
    field("Time budget", timeout), field("Experiment", experiment), field("Compute", compute),
    el("div", { class: "toolbar" }, submit), errors));
}
start();
