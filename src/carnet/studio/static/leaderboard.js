// The leaderboard view of an experiment: for each AutoML parent run (tag carnet.automl.metric
// names the metric it optimises; carnet.automl.metric_direction = maximize flips the order), its child runs
// ranked by that metric. Shown only when such runs exist.
import { api, el, enc, fmtValue, statusBadge, table } from "./studio.js";

export async function leaderboardView(container, experimentId) {
  let parents;
  try {
    parents = (await api.post("runs/search", {
      experiment_ids: [experimentId], filter: "tags.`carnet.automl.metric` IS NOT NULL", max_results: 5,
    })).runs;
  } catch (err) {
    return; // no leaderboard is better than an error above the runs table
  }
  for (const parent of parents) {
    const tags = parent.data.tags || {};
    const metric = tags["carnet.automl.metric"];
    const direction = tags["carnet.automl.metric_direction"] === "maximize" ? "DESC" : "ASC";
    const children = (await api.post("runs/search", {
      experiment_ids: [experimentId], filter: `attributes.parent_run_id = '${parent.info.run_id}'`,
      order_by: [`metrics.\`${metric}\` ${direction}`], max_results: 10,
    })).runs;
    const value = (run) => fmtValue((run.data.metrics || {})[metric]);
    container.append(el("section", { class: "panel leaderboard" },
      el("h2", {}, "Leaderboard: ", el("a", { href: `/runs/${enc(parent.info.run_id)}` }, parent.info.run_name || parent.info.run_id),
        el("span", { class: "muted" }, ` by ${metric} (${direction === "ASC" ? "lower" : "higher"} is better)`)),
      table([
        { label: "#", value: (r) => String(children.indexOf(r) + 1) },
        { label: "Run", value: (r) => el("a", { href: `/runs/${enc(r.info.run_id)}` }, r.info.run_name || r.info.run_id) },
        { label: "Status", value: (r) => statusBadge(r.info.status) },
        { label: metric, value, num: true },
      ], children)));
  }
}
