// The studio's page framework: DOM building, the JSON API, URL state, errors shown on the page,
// formatting, the theme and plotly charts. Every page module imports what it needs from here.
// Text goes into the DOM as text (never as HTML), so logged names and values cannot inject markup.

export const props = JSON.parse(document.getElementById("main").dataset.props || "{}");

// -- DOM -------------------------------------------------------------------------------------------

/** el("a", {href: "/x", class: "y", onclick: f}, "text", child, ...) */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "checked" || key === "value" || key === "disabled" || key === "selected") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** Replace the children of `node` (an element or an id). */
export function mount(node, ...children) {
  const target = typeof node === "string" ? document.getElementById(node) : node;
  target.replaceChildren();
  append(target, children);
  return target;
}

export function setTitle(text, crumbs) {
  document.title = `${text} · carnet`;
  const h1 = document.getElementById("page-title");
  h1.replaceChildren();
  if (crumbs) h1.append(el("div", { class: "crumbs" }, crumbs));
  h1.append(text);
}

/** A brief message in the corner (e.g. "Saved"). */
export function flash(text) {
  const box = document.getElementById("flash");
  box.textContent = text;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { box.textContent = ""; }, 2500);
}

// -- the JSON API ------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `request failed with HTTP ${status}`);
    this.status = status;
    this.code = body && body.error_code;
    this.field = body && body.field;
  }
}

async function request(method, path, body, params) {
  const url = new URL(path.startsWith("/") ? path : `/api/v1/${path}`, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => url.searchParams.append(key, v));
    else url.searchParams.set(key, value);
  }
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new ApiError(0, { message: "The carnet server cannot be reached: is it still running?" });
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (err) { data = { message: text.slice(0, 300) }; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** api.get("runs/ID", {param: 1}), api.post(path, body), api.patch, api.put, api.del */
export const api = {
  get: (path, params) => request("GET", path, undefined, params),
  post: (path, body, params) => request("POST", path, body === undefined ? {} : body, params),
  patch: (path, body) => request("PATCH", path, body === undefined ? {} : body),
  put: (path, body) => request("PUT", path, body === undefined ? {} : body),
  del: (path, params) => request("DELETE", path, undefined, params),
};

export const enc = encodeURIComponent;

/** An error as a box on the page: the server's message, and what to do next when we know it. */
export function errorBox(err, hint) {
  const message = err instanceof Error ? err.message : String(err);
  return el("div", { class: "error-box", role: "alert" }, message, hint ? el("div", {}, hint) : null);
}

/** Show `err` in place of the page's content (for errors that leave nothing else to show). */
export function pageError(err) {
  const hint = err && err.status === 404 ? el("a", { href: "/" }, "Back to the experiments") : null;
  mount("page", errorBox(err, hint));
}

/** Run `fn`; show any error in `target` (an element) instead of throwing. */
export async function guarded(target, fn) {
  try {
    return await fn();
  } catch (err) {
    if (target) mount(target, errorBox(err));
    else flash(err.message || String(err));
    return undefined;
  }
}

// -- URL state: every page state has an address ------------------------------------------------------

export const state = {
  get(key, fallback = null) {
    const value = new URLSearchParams(window.location.search).get(key);
    return value === null ? fallback : value;
  },
  getList(key) {
    const value = this.get(key, "");
    return value ? value.split(",").filter(Boolean) : [];
  },
  /** Write keys into the address (null or "" removes one); `push` adds a history entry. */
  set(values, push = false) {
    const params = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(values)) {
      const text = Array.isArray(value) ? value.join(",") : value;
      if (text === null || text === undefined || text === "") params.delete(key);
      else params.set(key, String(text));
    }
    const query = params.toString();
    const url = window.location.pathname + (query ? `?${query}` : "") + window.location.hash;
    if (push) window.history.pushState(null, "", url);
    else window.history.replaceState(null, "", url);
  },
};

// -- formatting --------------------------------------------------------------------------------------

export function fmtTime(ms) {
  if (ms === null || ms === undefined || ms === 0) return "";
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined || ms < 0) return "";
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function fmtValue(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    const abs = Math.abs(value);
    return abs !== 0 && (abs < 1e-4 || abs >= 1e7) ? value.toExponential(4) : String(Number(value.toPrecision(6)));
  }
  return String(value);
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return "";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

export function statusBadge(status) {
  return el("span", { class: `status-${status}` }, status === "Running" ? "● Running" : status);
}

// -- theme -------------------------------------------------------------------------------------------

const themeListeners = [];
export function onThemeChange(fn) { themeListeners.push(fn); }

function toggleTheme() {
  const next = document.documentElement.getAttribute("data-theme") === "dark" ? "light" : "dark";
  document.documentElement.setAttribute("data-theme", next);
  try { window.localStorage.setItem("carnet.theme", next); } catch (err) { /* storage disabled */ }
  themeListeners.forEach((fn) => fn(next));
}
document.getElementById("theme-toggle").addEventListener("click", toggleTheme);

// -- keyboard ----------------------------------------------------------------------------------------

/** Single-key shortcuts outside text fields: "/" focuses the page's search box, "t" the theme. */
const shortcuts = { t: toggleTheme };
export function shortcut(key, fn) { shortcuts[key] = fn; }
document.addEventListener("keydown", (event) => {
  const tag = (event.target && event.target.tagName) || "";
  if (event.ctrlKey || event.metaKey || event.altKey || ["INPUT", "TEXTAREA", "SELECT"].includes(tag)) return;
  const fn = shortcuts[event.key];
  if (fn) { event.preventDefault(); fn(event); }
});

// -- charts ------------------------------------------------------------------------------------------

function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

export function chartLayout(extra) {
  const grid = css("--border");
  const axis = { gridcolor: grid, zerolinecolor: grid, linecolor: grid, automargin: true };
  return {
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
    font: { color: css("--text"), size: 12 },
    margin: { l: 50, r: 16, t: 28, b: 36 },
    xaxis: { ...axis, ...((extra && extra.xaxis) || {}) },
    yaxis: { ...axis, ...((extra && extra.yaxis) || {}) },
    legend: { orientation: "h", x: 0, y: 1, yanchor: "bottom" },
    showlegend: true,
    ...Object.fromEntries(Object.entries(extra || {}).filter(([k]) => k !== "xaxis" && k !== "yaxis")),
  };
}

export const chartConfig = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

/** Plotly, loaded on first use: its script (about 1.4 MB gzipped) takes the browser a second or more to evaluate, so pages fetch their data and draw
 * quick previews first (see charts.js), and only then ask for it. */
let plotlyPromise = null;
export function plotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyPromise) {
    const meta = document.querySelector("meta[name='carnet-plotly']");
    if (!meta) return Promise.reject(new Error("this page does not load plotly.js (render_page(..., charts=True))"));
    plotlyPromise = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = meta.content;
      script.addEventListener("load", () => resolve(window.Plotly), { once: true });
      script.addEventListener("error", () => reject(new Error("plotly.js could not be loaded")), { once: true });
      document.head.append(script);
    });
  }
  return plotlyPromise;
}

const drawn = new Set();
export async function drawChart(div, traces, layout) {
  const Plotly = await plotly();
  if (div.dataset.drawn === "preview") div.replaceChildren(); // plotly takes over from the preview
  await Plotly.react(div, traces, chartLayout(layout), chartConfig);
  drawn.add(div);
  div.dataset.drawn = "true";
  return div;
}
onThemeChange(() => {
  for (const div of drawn) {
    if (!div.isConnected) { drawn.delete(div); continue; }
    window.Plotly.relayout(div, { "font.color": css("--text"), "xaxis.gridcolor": css("--border"), "yaxis.gridcolor": css("--border") });
  }
});

/** Exponential moving average (TensorBoard's, debiased), for the smoothing slider. */
export function smooth(values, weight) {
  if (!weight) return values;
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n += 1;
    return last / (1 - Math.pow(weight, n));
  });
}

/** Tabs whose selection lives in the address (`?tab=`). */
export function tabs(names, current, onSelect) {
  const bar = el("div", { class: "tabs", role: "tablist" });
  for (const [key, label] of names) {
    bar.append(el("button", {
      type: "button", role: "tab", "aria-selected": key === current ? "true" : "false", id: `tab-${key}`,
      onclick: () => {
        bar.querySelectorAll("button").forEach((b) => b.setAttribute("aria-selected", b.id === `tab-${key}` ? "true" : "false"));
        state.set({ tab: key });
        onSelect(key);
      },
    }, label));
  }
  return bar;
}

/** A simple table: columns [{label, value(row) -> node|text, num?}] */
export function table(columns, rows, attrs) {
  return el("div", { class: "table-wrap" }, el("table", { class: "data", ...(attrs || {}) },
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.label)))),
    el("tbody", {}, rows.map((row) => el("tr", {}, columns.map((c) => el("td", { class: c.num ? "num" : null }, c.value(row))))))));
}
