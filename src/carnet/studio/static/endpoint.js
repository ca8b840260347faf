// One endpoint: its deployments (model, version served, traffic, status, restarts, the reason
// when Failed), a "try it" box pre-filled with the model's input example, and the processes' logs.
import { api, el, enc, errorBox, fmtTime, guarded, mount, props, setTitle, statusBadge, table } from "./studio.js";

const { name } = props;
const facts = el("div", { id: "endpoint-facts" });
const deployments = el("div", { id: "deployments-box" });
const logs = el("div", { id: "logs-box" });
const answer = el("div", { id: "try-answer", "aria-live": "polite" });
const input = el("textarea", { id: "try-input", rows: 8, class: "grow", spellcheck: "false", "aria-label": "Request body (JSON)" });
const method = el("select", { id: "try-method", "aria-label": "Method" },
  el("option", { value: "predict" }, "predict"), el("option", { value: "predict_proba" }, "predict_proba"));

function versionLink(uri) {
  const match = /^models:\/(.+)\/(\d+)$/.exec(uri || "");
  return match ? el("a", { href: `/models/${enc(match[1])}/versions/${match[2]}` }, uri) : (uri || "—");
}

async function refresh() {
  await guarded(deployments, async () => {
    const endpoint = (await api.get(`endpoints/${enc(name)}`)).endpoint;
    mount(facts, el("div", { class: "panel" }, el("dl", { class: "facts" },
      el("dt", {}, "Status"), el("dd", { id: "endpoint-status" }, statusBadge(endpoint.status)),
      el("dt", {}, "Created"), el("dd", {}, fmtTime(endpoint.created_at)),
      el("dt", {}, "Scoring URL"), el("dd", {}, el("code", {}, `${window.location.origin}/endpoints/${name}/invocations`)),
      endpoint.description ? [el("dt", {}, "Description"), el("dd", {}, endpoint.description)] : null)));
    mount(deployments, table([
      { label: "Deployment", value: (d) => d.name },
      { label: "Model", value: (d) => d.model_uri },
      { label: "Serving", value: (d) => versionLink(d.resolved_uri) },
      { label: "Traffic", value: (d) => `${d.traffic}%`, num: true },
      { label: "Status", value: (d) => statusBadge(d.status) },
      { label: "Restarts", value: (d) => d.restarts, num: true },
      { label: "Message", value: (d) => el("span", { class: "muted" }, d.message) },
    ], endpoint.deployments, { id: "deployments" }));
    if (endpoint.status !== "Ready" && endpoint.status !== "Failed") setTimeout(refresh, 2000);
  });
}

async function loadLogs() {
  await guarded(logs, async () => {
    const found = (await api.get(`endpoints/${enc(name)}/logs`, { tail: 20000 })).logs;
    mount(logs, Object.entries(found).map(([deployment, text]) =>
      el("div", {}, el("h3", {}, deployment), el("pre", { class: "code log", dataset: { deployment } }, text || "(empty)"))));
  });
}

async function send() {
  let body;
  try {
    body = JSON.parse(input.value);
  } catch (err) {
    mount(answer, errorBox(`The request body is not valid JSON: ${err.message}`));
    return;
  }
  mount(answer, el("p", { class: "muted" }, "Scoring…"));
  const response = await fetch(`/api/v1/endpoints/${enc(name)}/try`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ body, method: method.value }),
  });
  const text = await response.text();
  let shown = text;
  try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (err) { /* not JSON: show it as it is */ }
  const deployment = response.headers.get("x-carnet-deployment");
  mount(answer,
    el("p", {}, `HTTP ${response.status}`, deployment ? ` from deployment ${deployment}` : ""),
    el("pre", { id: "try-output", class: response.ok ? "code" : "code inline-error" }, shown));
}

async function main() {
  setTitle(name, el("span", {}, el("a", { href: "/endpoints" }, "Endpoints")));
  mount("page",
    facts,
    el("h2", {}, "Deployments"), deployments,
    el("h2", {}, "Try it"),
    el("div", { class: "toolbar" }, input),
    el("div", { class: "toolbar" }, method, el("button", { type: "button", class: "primary", id: "try-send", onclick: send }, "Send")),
    answer,
    el("h2", {}, "Logs"),
    el("div", { class: "toolbar" }, el("button", { type: "button", id: "logs-refresh", onclick: loadLogs }, "Refresh logs")),
    logs);
  await refresh();
  await guarded(answer, async () => {
    const example = (await api.get(`endpoints/${enc(name)}/example`)).input_example;
    input.value = JSON.stringify(example || { dataframe_split: { columns: [], data: [] } }, null, 2);
  });
  await loadLogs();
}

main();
