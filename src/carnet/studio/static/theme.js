// Runs before the page paints: the saved theme, else the system's, so no page flashes white.
(function () {
  var saved = null;
  try { saved = window.localStorage.getItem("carnet.theme"); } catch (e) { /* storage disabled */ }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.setAttribute("data-theme", saved || (dark ? "dark" : "light"));
})();
