// The 404 page: what was asked for, and where to go from here.
import { el, mount, props } from "./studio.js";

mount("page",
  el("div", { class: "panel", id: "not-found" },
    el("p", {}, props.message || "This page does not exist."),
    el("p", { class: "muted" }, "The address may be mistyped, or the item deleted. From here:"),
    el("ul", {},
      el("li", {}, el("a", { href: "/" }, "All experiments")),
      el("li", {}, el("a", { href: "/models" }, "Registered models")),
      el("li", {}, el("a", { href: "/experiments/0" }, "The Default experiment")))));
