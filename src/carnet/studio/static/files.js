// The artifact browser shared by the run and model-version pages: a folder tree on the left, a
// preview on the right (text, JSON, YAML, CSV as a table, images, MLmodel, notebooks), capped in
// size, always with a download link. The open file lives in the address (`?file=`).
import { api, el, errorBox, fmtBytes, mount, state } from "./studio.js";

/** `base`: the API path of the file routes, e.g. "runs/ID/artifacts" or ".../versions/1/files". */
export function fileBrowser(base, previewSuffix = "/preview", fileSuffix = "/file") {
  const tree = el("div", { class: "file-tree", id: "file-tree" });
  const preview = el("div", { class: "preview", id: "file-preview" }, el("p", { class: "muted" }, "Choose a file to preview it."));
  const root = el("div", { class: "files" }, el("nav", { "aria-label": "Files" }, tree), preview);
  const downloadUrl = (path) => `/api/v1/${base}${fileSuffix}?path=${encodeURIComponent(path)}`;

  async function listing(path) {
    return (await api.get(base, { path })).files;
  }

  function entryNode(entry) {
    const name = entry.path.split("/").pop();
    if (entry.is_dir) {
      const children = el("ul", { hidden: true });
      const li = el("li", { class: "dir" });
      const button = el("button", { type: "button", "aria-expanded": "false", onclick: async () => {
        const open = children.hidden;
        children.hidden = !open;
        li.classList.toggle("open", open);
        button.setAttribute("aria-expanded", String(open));
        if (open && !children.childElementCount) {
          try { mount(children, (await listing(entry.path)).map(entryNode)); } catch (err) { mount(children, el("li", {}, errorBox(err))); }
        }
      } }, name);
      li.append(button, children);
      return li;
    }
    return el("li", {}, el("button", { type: "button", dataset: { path: entry.path }, onclick: () => show(entry.path) },
      name, " ", el("span", { class: "muted" }, fmtBytes(entry.size))));
  }

  async function show(path) {
    state.set({ file: path });
    tree.querySelectorAll("button[data-path]").forEach((b) => b.setAttribute("aria-current", String(b.dataset.path === path)));
    mount(preview, el("p", { class: "muted" }, `Loading ${path}…`));
    let data;
    try {
      data = await api.get(`${base}${previewSuffix}`, { path });
    } catch (err) {
      mount(preview, errorBox(err));
      return;
    }
    const head = el("div", { class: "toolbar" }, el("strong", {}, path), el("span", { class: "muted" }, fmtBytes(data.size)),
      el("a", { class: "button", href: downloadUrl(path), download: path.split("/").pop(), id: "download-link" }, "Download"));
    mount(preview, head, data.message ? el("p", { class: "inline-error", id: "preview-message" }, data.message) : null, body(path, data));
  }

  function body(path, data) {
    switch (data.kind) {
      case "image":
        return el("img", { src: downloadUrl(path), alt: path, id: "preview-image" });
      case "csv":
        return el("div", { class: "table-wrap" }, el("table", { class: "data", id: "preview-table" },
          el("thead", {}, el("tr", {}, data.columns.map((c) => el("th", { scope: "col" }, c)))),
          el("tbody", {}, data.rows.map((r) => el("tr", {}, r.map((v) => el("td", {}, v)))))),
          data.truncated ? el("p", { class: "muted" }, "Only the first rows are shown: download the file for the rest.") : null);
      case "mlmodel":
        return el("div", {},
          data.flavors ? el("p", {}, "Flavors: ", data.flavors.map((f) => el("span", { class: "badge" }, f))) : null,
          data.signature ? signature(data.signature) : null,
          el("pre", { class: "code" }, data.text));
      case "notebook":
        return el("div", { id: "preview-notebook" }, data.cells.map((cell) => el("div", { class: `nb-cell ${cell.cell_type}` },
          el("pre", { class: "code" }, cell.source),
          cell.outputs.map((o) => (o.png ? el("img", { src: `data:image/png;base64,${o.png}`, alt: "cell output" }) : el("pre", { class: "code muted" }, o.text))))));
      case "json": case "yaml": case "text":
        return el("pre", { class: "code", id: "preview-text" }, data.text);
      default:
        return null;
    }
  }

  function signature(sig) {
    const side = (name, columns) => el("div", {}, el("h3", {}, name),
      columns.length ? el("table", { class: "data" }, el("tbody", {}, columns.map((c) => el("tr", {}, el("td", {}, c.name), el("td", { class: "muted" }, c.type)))))
        : el("p", { class: "muted" }, "none"));
    return el("div", { class: "grid", id: "signature" }, side("Inputs", sig.inputs || []), side("Outputs", sig.outputs || []));
  }

  root.ready = (async () => {
    try {
      const files = await listing(null);
      mount(tree, files.length ? el("ul", {}, files.map(entryNode)) : el("p", { class: "muted" }, "No files."));
      const wanted = state.get("file");
      if (wanted) await show(wanted);
    } catch (err) {
      mount(tree, errorBox(err));
    }
  })();
  root.show = show;
  return root;
}
