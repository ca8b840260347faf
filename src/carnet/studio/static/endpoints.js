// Managed endpoints: each with its status and the model versions its deployments serve, and a
// form that creates one (its key is shown once, here).
import { api, el, enc, errorBox, fmtTime, guarded, mount, statusBadge } from "./studio.js";

const box = el("div", { id: "endpoints-box" });
const created = el("div", { id: "create-result", "aria-live": "polite" });
const nameInput = el("input", { type: "text", id: "new-endpoint-name", placeholder: "name", "aria-label": "Endpoint name" });
const modelInput = el("input", { type: "text", id: "new-endpoint-model", class: "grow", placeholder: "models:/NAME@ALIAS",
  "aria-label": "Model URI" });

async function create() {
  try {
    const answer = await api.post("endpoints", { name: nameInput.value.trim(), model_uri: modelInput.value.trim() });
    mount(created, el("div", { class: "panel" },
      el("p", {}, "Created ", el("a", { href: `/endpoints/${enc(answer.endpoint.name)}` }, answer.endpoint.name),
        ". Its key is shown only now: callers send it as ", el("code", {}, "Authorization: Bearer KEY"), "."),
      el("pre", { class: "code", id: "new-endpoint-key" }, answer.key)));
    nameInput.value = "";
    modelInput.value = "";
    load();
  } catch (err) {
    mount(created, errorBox(err));
  }
}

function serving(d) {
  return el("span", { class: "badge" }, `${d.name} ${d.traffic}% `, d.resolved_uri || d.model_uri);
}

async function load() {
  await guarded(box, async () => {
    const endpoints = (await api.get("endpoints")).endpoints;
    if (!endpoints.length) {
      mount(box, el("p", { class: "empty" }, "No endpoints yet: create one with ",
        el("code", {}, "carnet endpoints create NAME --model models:/NAME@ALIAS"), "."));
      return;
    }
    mount(box, el("div", { class: "table-wrap" }, el("table", { class: "data", id: "endpoints" },
      el("thead", {}, el("tr", {}, ["Name", "Status", "Deployments", "Updated"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, endpoints.map((e) => el("tr", { dataset: { endpoint: e.name } },
        el("td", {}, el("a", { href: `/endpoints/${enc(e.name)}` }, e.name)),
        el("td", { class: "endpoint-status" }, statusBadge(e.status)),
        el("td", {}, e.deployments.map(serving)),
        el("td", {}, fmtTime(e.updated_at))))))));
    if (endpoints.some((e) => e.status !== "Ready" && e.status !== "Failed")) setTimeout(load, 2000);
  });
}

mount("page",
  el("div", { class: "toolbar" }, nameInput, modelInput,
    el("button", { type: "button", class: "primary", id: "create-endpoint", onclick: create }, "Create endpoint")),
  created, box);
load();
