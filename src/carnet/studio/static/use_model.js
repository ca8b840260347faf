// "Use this model" on a model version's page: the endpoints serving it, a batch-inference notebook
// to download, and curl / Python / CLI snippets to copy.
import { api, el, enc, mount } from "./studio.js";

const LABELS = [["curl", "curl"], ["python", "Python"], ["pyfunc", "Load it"], ["predict", "Batch (CLI)"], ["serve", "Serve (CLI)"]];

function copyButton(text) {
  return el("button", { type: "button", class: "copy", onclick: async (event) => {
    const button = event.currentTarget;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch (err) {
      button.textContent = "Select and copy";
    }
  } }, "Copy");
}

export function useModelPanel(name, version) {
  const box = el("div", { id: "use-model" }, el("p", { class: "muted" }, "Loading…"));
  (async () => {
    try {
      const use = await api.get("model-versions/use", { name, version });
      const shown = el("div", { id: "use-snippet" });
      const show = (key) => mount(shown, el("div", { class: "toolbar" }, copyButton(use.snippets[key])),
        el("pre", { class: "code snippet", dataset: { snippet: key } }, use.snippets[key]));
      const bar = el("div", { class: "tabs", role: "tablist" }, LABELS.map(([key, label]) => el("button", {
        type: "button", role: "tab", id: `use-tab-${key}`, "aria-selected": key === "curl" ? "true" : "false",
        onclick: () => {
          bar.querySelectorAll("button").forEach((b) => b.setAttribute("aria-selected", b.id === `use-tab-${key}` ? "true" : "false"));
          show(key);
        },
      }, label)));
      const notebook = `/api/v1/model-versions/use?name=${enc(name)}&version=${enc(version)}&format=ipynb`;
      mount(box,
        el("p", {}, use.endpoints.length
          ? ["Served by ", use.endpoints.map((e) => el("a", { href: `/endpoints/${enc(e)}`, class: "badge" }, e)), "."]
          : ["No endpoint serves this version yet: ", el("code", {}, `carnet endpoints create NAME --model ${use.model_uri}`), "."]),
        el("p", {}, el("a", { href: notebook, id: "use-notebook", download: "" }, "Download the batch-inference notebook")),
        bar, shown);
      show("curl");
    } catch (err) {
      mount(box, el("p", { class: "muted" }, err.message));
    }
  })();
  return box;
}
