// Managed endpoints: each with its status and the model versions its deployments serve.
import { api, el, enc, fmtTime, guarded, mount, statusBadge } from "./studio.js";

const box = el("div", { id: "endpoints-box" });

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

mount("page", box);
load();
