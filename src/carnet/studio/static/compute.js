// Compute targets: where jobs run. `local` is built in; a limit on concurrent jobs holds over every
// worker; a `ray` target sends jobs to a Ray cluster. Add, change the limit of, or remove a target.
import { api, el, flash, guarded, mount, table } from "./studio.js";

const box = el("div", { id: "compute-box" });
const formError = el("div", { id: "compute-error" });
const name = el("input", { id: "target-name", placeholder: "name", "aria-label": "Name", required: true });
const kind = el("select", { id: "target-kind", "aria-label": "Kind" }, el("option", { value: "local" }, "local"), el("option", { value: "ray" }, "ray"));
const limit = el("input", { id: "target-limit", type: "number", min: "0", value: "0", "aria-label": "Max concurrent jobs (0: no limit)" });
const address = el("input", { id: "target-address", placeholder: "http://ray-head:8265 (ray only)", "aria-label": "Address", class: "grow" });

async function load() {
  await guarded(box, async () => {
    const targets = (await api.get("compute")).compute_targets;
    const running = {};
    for (const job of (await api.get("jobs", { status: ["Preparing", "Running"], max_results: 1000 })).jobs) {
      running[job.compute] = (running[job.compute] || 0) + 1;
    }
    mount(box, table([
      { label: "Name", value: (t) => el("strong", {}, t.name) },
      { label: "Kind", value: (t) => t.kind },
      { label: "Running jobs", value: (t) => String(running[t.name] || 0), num: true },
      { label: "Max concurrent jobs", value: (t) => (t.max_concurrent_jobs ? String(t.max_concurrent_jobs) : "no limit"), num: true },
      { label: "Address", value: (t) => t.address },
      { label: "Description", value: (t) => el("span", { class: "muted" }, t.description) },
      { label: "", value: (t) => (t.name === "local" ? null : el("button", { type: "button", class: "delete-target", onclick: () => remove(t.name) }, "Remove")) },
    ], targets, { id: "compute-targets" }));
  });
}

async function remove(target) {
  await guarded(formError, async () => {
    await api.del(`compute/${encodeURIComponent(target)}`);
    flash(`Removed ${target}`);
    await load();
  });
}

async function create(event) {
  event.preventDefault();
  mount(formError);
  await guarded(formError, async () => {
    await api.post("compute", { name: name.value.trim(), kind: kind.value, max_concurrent_jobs: Number(limit.value || 0), address: address.value.trim() });
    flash(`Added ${name.value.trim()}`);
    name.value = "";
    address.value = "";
    await load();
  });
}

mount("page", box, el("section", { class: "panel" }, el("h2", {}, "Add a compute target"),
  el("form", { id: "compute-form", class: "toolbar", onsubmit: create }, name, kind, limit, address, el("button", { type: "submit", class: "primary" }, "Add")),
  formError));
load();
