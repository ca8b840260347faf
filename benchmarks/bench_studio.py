"""The studio in headless chromium against MLflow 3.17.2's UI: the same data, one machine, one run.

Usage::

    python benchmarks/bench_studio.py            # 10,000 runs and a 1,000,000-point series
    python benchmarks/bench_studio.py --quick    # 1,000 runs and 100,000 points: a smoke run

Both stores get the same runs (5 params, 5 metrics and a tag each, written by direct SQL INSERTs
into each tool's schema, as ``bench_tracking.py`` (c) does) and one run with a long ``loss``
series. Each tool's server runs in its own process (``carnet server``, ``mlflow server``); Debian's
chromium (``/usr/bin/chromium``, driven by Playwright) opens the pages with a cold cache, several
times. Figures:

(a) the runs table of the experiment is usable: from navigation start until the first page of runs
    is in the table (carnet: rows in ``#runs``; MLflow: the newest run's name on the page);
(b) the long series is drawn: from navigation start until the chart has its line (carnet: the run
    page's metrics tab; MLflow: the run page's model-metrics tab), and the bytes the browser
    received for that chart's data.

Times come from the page's own clock (``performance.now()`` when a MutationObserver first sees the
element), so Playwright's polling adds nothing. The goals are carnet's: (a) < 1 s, (b) < 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from bench_tracking import (
    BASE_TS,
    _check_required_columns,
    _sqlite_bulk,
    generate_runs,
    machine_info,
    print_machine,
    worker_env,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "studio.json"
CHROMIUM = os.environ.get("CARNET_BENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZES = {
    "full": {"runs": 10_000, "points": 1_000_000, "loads": 5},
    "quick": {"runs": 1_000, "points": 100_000, "loads": 3},
}
GOAL_MS = 1000.0
TIMEOUT_MS = 120_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _series(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    steps = np.arange(n, dtype=np.int64)
    values = np.sin(steps / (n / 20)) + np.random.default_rng(7).normal(0, 0.05, n)
    values[n // 3] = 5.0  # a spike the chart must still show
    return steps, BASE_TS + steps, values


# -- populating each store --------------------------------------------------------------------


def populate_carnet(tmp: Path, n_runs: int, n_points: int) -> tuple[str, str, str]:
    """carnet's SQLite store with the runs and the long series; (uri, experiment id, long run id)."""
    from carnet.entities import MetricColumns
    from carnet.store.base import LogBatch, NewRun
    from carnet.store.sql.engine import dispose_engines
    from carnet.store.sql.store import SqlTrackingStore

    uri = f"sqlite:///{tmp / 'carnet.db'}"
    store = SqlTrackingStore(uri, str(tmp / "artifacts"))
    eid = store.create_experiment("bench")
    steps, times, values = _series(n_points)
    long_run = store.create_run(NewRun(experiment_id=eid, run_name="long-series", start_time=BASE_TS - 1))
    store.log_batch(long_run.info.run_id, LogBatch(series=[MetricColumns("loss", steps, times, values)]))
    db = tmp / "carnet.db"
    first_key = 1000  # run keys of the generated runs, above the long run's
    runs = generate_runs(n_runs)
    run_rows, param_rows, tag_rows, series_rows, chunk_rows = [], [], [], [], []
    series_id = 1000
    for i, r in enumerate(runs):
        key = first_key + i
        run_rows.append(
            (key, r["id"], int(eid), r["name"], r["start"], r["start"] + 500, f"{tmp}/a/{r['id']}")
        )
        param_rows += [(key, k, v) for k, v in r["p"].items()]
        tag_rows.append((key, r["team"]))
        for k, v in r["m"].items():
            series_id += 1
            series_rows.append((series_id, key, k, v, r["start"]))
            chunk_rows.append((series_id, struct.pack("<q", r["start"]), struct.pack("<d", v)))
    statements = [
        (
            "INSERT INTO runs (run_key, run_id, experiment_id, run_name, status, start_time, end_time, "
            "lifecycle_stage, artifact_uri, user_id, parent_run_id, source_type, source_name, git_commit, "
            "git_dirty, description) VALUES (?, ?, ?, ?, 'Completed', ?, ?, 'active', ?, 'bench', NULL, "
            "'LOCAL', 'bench.py', NULL, NULL, '')",
            run_rows,
        ),
        ("INSERT INTO params (run_key, key, value) VALUES (?, ?, ?)", param_rows),
        ("INSERT INTO tags (run_key, key, value) VALUES (?, 'team', ?)", tag_rows),
        (
            "INSERT INTO metric_series (series_id, run_key, name, kind, description, count, last_value, "
            "last_step, last_timestamp, columns) VALUES (?, ?, ?, 'series', '', 1, ?, 0, ?, NULL)",
            series_rows,
        ),
        (
            "INSERT INTO metric_chunks (series_id, seq, n, min_step, max_step, step_data, timestamp_data, "
            f"value_data) VALUES (?, 0, 1, 0, 0, X'{'00' * 8}', ?, ?)",
            chunk_rows,
        ),
    ]
    for sql, _rows in statements:
        _check_required_columns(db, sql)
    _sqlite_bulk(db, statements)
    dispose_engines()
    return uri, eid, long_run.info.run_id


def populate_mlflow(tmp: Path, n_runs: int, n_points: int) -> tuple[str, str, str]:
    """MLflow's SQLite store with the same runs and series; (uri, experiment id, long run id)."""
    import mlflow

    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    client = mlflow.MlflowClient()
    eid = client.create_experiment("bench", artifact_location=str(tmp / "mlartifacts"))
    long_run = client.create_run(eid, run_name="long-series", start_time=BASE_TS - 1)
    client.set_terminated(long_run.info.run_id, end_time=BASE_TS)
    long_id = long_run.info.run_id
    steps, times, values = _series(n_points)
    runs = generate_runs(n_runs)
    artifact = str(tmp / "mlartifacts")
    param_rows, metric_rows, tag_rows = [], [], []
    for r in runs:
        param_rows += [(k, v, r["id"]) for k, v in r["p"].items()]
        metric_rows += [(k, v, r["start"], 0, r["id"]) for k, v in r["m"].items()]
        tag_rows += [("mlflow.runName", r["name"], r["id"]), ("team", r["team"], r["id"])]
    latest_rows = list(metric_rows)
    metric_rows += [
        ("loss", float(v), int(t), int(s), long_id) for s, t, v in zip(steps, times, values, strict=True)
    ]
    latest_rows.append(("loss", float(values[-1]), int(times[-1]), int(steps[-1]), long_id))
    exp = int(eid)
    statements = [
        (
            "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, "
            "status, start_time, end_time, deleted_time, source_version, lifecycle_stage, artifact_uri, "
            "experiment_id) "
            "VALUES (?, ?, 'LOCAL', 'bench.py', '', 'bench', 'FINISHED', ?, ?, NULL, '', 'active', ?, ?)",
            [
                (r["id"], r["name"], r["start"], r["start"] + 500, f"{artifact}/{r['id']}/artifacts", exp)
                for r in runs
            ],
        ),
        ("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)", param_rows),
        ("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)", tag_rows),
        (
            "INSERT INTO metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)",
            metric_rows,
        ),
        (
            "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) "
            "VALUES (?, ?, ?, ?, 0, ?)",
            latest_rows,
        ),
    ]
    _sqlite_bulk(tmp / "mlflow.db", statements)
    return uri, eid, long_id


# -- serving and measuring ----------------------------------------------------------------------


class Served:
    """A server in its own process, stopped on exit."""

    def __init__(self, cmd: list[str], url: str, cwd: Path) -> None:
        self.url = url
        self.log = open(cwd / "server.log", "w")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env=worker_env(), stdout=self.log, stderr=subprocess.STDOUT
        )

    def __enter__(self) -> Served:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: see {self.log.name}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"the server did not start: see {self.log.name}")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


READY_SCRIPT = """
(() => {
  const checks = %s;
  window.__ready = {};
  const check = () => {
    for (const [name, test] of Object.entries(checks)) {
      if (!(name in window.__ready) && test()) window.__ready[name] = performance.now();
    }
    if (Object.keys(window.__ready).length === Object.keys(checks).length) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();
"""


def measure(
    browser: Any, url: str, ready: dict[str, str], data_marker: str | None, loads: int
) -> dict[str, Any]:
    """Open ``url`` in ``loads`` fresh browser contexts (cold cache). For each name of ``ready``
    (a JavaScript condition), the page's own time until it first held; the bytes received in all,
    and for the responses whose URL holds ``data_marker``."""
    times: dict[str, list[float]] = {name: [] for name in ready}
    total_bytes, data_bytes = [], []
    checks = "{" + ", ".join(f"{json.dumps(n)}: () => ({js})" for n, js in ready.items()) + "}"
    for _ in range(loads):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.add_init_script(READY_SCRIPT % checks)
        page = context.new_page()
        responses: list[Any] = []

        def keep(response: Any, into: list[Any] = responses) -> None:
            into.append(response)

        page.on("response", keep)
        page.goto(url)
        # Polled from here: a page's Content-Security-Policy forbids the eval that
        # wait_for_function needs; evaluate goes through the debugger protocol instead.
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        seen: dict[str, float] = {}
        while len(seen) < len(ready):
            if time.monotonic() > deadline:
                page.screenshot(path=str(RESULTS.parent / "studio-timeout.png"))
                missing = sorted(set(ready) - set(seen))
                raise TimeoutError(f"{url}: {missing} not seen after {TIMEOUT_MS / 1000:.0f} s")
            page.wait_for_timeout(50)
            seen = page.evaluate("window.__ready") or {}
        for name in ready:
            times[name].append(float(seen[name]))
        page.wait_for_timeout(200)  # let the last responses be counted
        sizes = []
        for response in responses:
            try:
                s = response.request.sizes()
                sizes.append((response.url, s["responseBodySize"] + s["responseHeadersSize"]))
            except Exception:  # a response still in flight when the context closes
                continue
        total_bytes.append(sum(n for _, n in sizes))
        data_bytes.append(sum(n for u, n in sizes if data_marker and data_marker in u))
        context.close()
    result: dict[str, Any] = {f"{name}_ms": statistics.median(t) for name, t in times.items()}
    result["all_ms"] = times
    result["bytes"] = int(statistics.median(total_bytes))
    result["data_bytes"] = int(statistics.median(data_bytes)) if data_marker else None
    return result


def run_side(side: str, mode: str, browser: Any, console: Any) -> dict[str, Any]:
    sizes = SIZES[mode]
    with tempfile.TemporaryDirectory(prefix=f"bench-studio-{side}-") as name:
        tmp = Path(name)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        with console.status(f"{side}: writing {sizes['runs']:,} runs and {sizes['points']:,} points ..."):
            if side == "carnet":
                uri, eid, long_id = populate_carnet(tmp, sizes["runs"], sizes["points"])
                cmd = [
                    str(Path(sys.executable).parent / "carnet"),
                    "server",
                    "--port",
                    str(port),
                    "--backend-store-uri",
                    uri,
                ]
            else:
                # In its own process: this one never imports MLflow.
                populate = [sys.executable, __file__, "--populate-mlflow", str(tmp), str(sizes["runs"])]
                done = subprocess.run(
                    [*populate, str(sizes["points"])],
                    env=worker_env(),
                    capture_output=True,
                    text=True,
                    check=True,
                )
                uri, eid, long_id = json.loads(done.stdout.strip().splitlines()[-1])
                cmd = [
                    sys.executable,
                    "-m",
                    "mlflow",
                    "server",
                    "--backend-store-uri",
                    uri,
                    "--port",
                    str(port),
                    "--host",
                    "127.0.0.1",
                    "--workers",
                    "1",
                ]
        with Served(cmd, url, tmp), console.status(f"{side}: measuring in chromium ..."):
            loads = sizes["loads"]
            if side == "carnet":
                rows = "document.querySelector('#runs tbody tr')"
                table = measure(browser, f"{url}/experiments/{eid}", {"usable": rows}, None, loads)
                card = ".chart-card[data-metric='loss'] .chart"
                chart = measure(
                    browser,
                    f"{url}/runs/{long_id}?tab=metrics",
                    {
                        "drawn": f'document.querySelector("{card}[data-drawn]")',
                        "interactive": f"document.querySelector(\"{card}[data-drawn='true'] .trace path\")",
                    },
                    "/chart",
                    loads,
                )
            else:
                newest = f"run-{sizes['runs'] - 1}"
                shown = f"document.body && document.body.innerText.includes('{newest}')"
                table = measure(browser, f"{url}/#/experiments/{eid}/runs", {"usable": shown}, None, loads)
                line = "document.querySelector('.js-plotly-plot .scatterlayer .trace path')"
                chart = measure(
                    browser,
                    f"{url}/#/experiments/{eid}/runs/{long_id}/model-metrics",
                    {"drawn": line, "interactive": line},
                    "metrics/get-history",
                    loads,
                )
        console.print(
            f"  {side}: table {table['usable_ms']:.0f} ms, chart drawn {chart['drawn_ms']:.0f} ms, "
            f"interactive {chart['interactive_ms']:.0f} ms",
            highlight=False,
        )
        return {"table": table, "chart": chart}


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 runs and 100,000 points: a smoke run")
    parser.add_argument("--no-mlflow", action="store_true", help="measure carnet only")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON results go")
    parser.add_argument(
        "--populate-mlflow", nargs=3, metavar=("FOLDER", "RUNS", "POINTS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.populate_mlflow:
        folder, runs, points = args.populate_mlflow
        print(json.dumps(populate_mlflow(Path(folder), int(runs), int(points))))
        return 0
    mode = "quick" if args.quick else "full"
    console = Console()
    info = machine_info()
    print_machine(console, info, f"carnet studio against MLflow's UI in headless chromium ({mode})")
    if not Path(CHROMIUM).exists():
        console.print(f"[red]{CHROMIUM} is missing: apt-get install chromium[/red]")
        return 1
    results: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for side in ("carnet",) if args.no_mlflow else ("carnet", "mlflow"):
            try:
                results[side] = run_side(side, mode, browser, console)
            except Exception as exc:  # report the other side's figures anyway
                console.print(f"[red]{side} failed: {exc}[/red]")
                results[side] = {"error": str(exc)}
        browser.close()
    sizes = SIZES[mode]
    table = Table(
        title=f"{sizes['runs']:,} runs; a {sizes['points']:,}-point series; "
        f"median of {sizes['loads']} cold loads"
    )
    for column in ("case", "carnet", "MLflow", "ratio (MLflow / carnet)", "goal", ""):
        table.add_column(column)
    carnet, other = results.get("carnet", {}), results.get("mlflow", {})

    def cell(side: dict[str, Any], case: str, key: str, unit: str) -> str:
        if "error" in side or case not in side:
            return "n/a"
        value = side[case][key]
        return "n/a" if value is None else (f"{value:,.0f} {unit}")

    def ratio(case: str, key: str) -> str:
        try:
            return f"{other[case][key] / carnet[case][key]:.1f}x"
        except (KeyError, TypeError, ZeroDivisionError):
            return "n/a"

    for case, key, label, goal in (
        ("table", "usable_ms", "(a) runs table usable", True),
        ("chart", "drawn_ms", "(b) long series drawn", True),
        ("chart", "interactive_ms", "(b) ... and interactive (plotly)", False),
    ):
        ok = case in carnet and carnet[case][key] < GOAL_MS
        verdict = ("[green]PASS[/green]" if ok else "[red]MISS[/red]") if goal else ""
        table.add_row(
            label,
            cell(carnet, case, key, "ms"),
            cell(other, case, key, "ms"),
            ratio(case, key),
            "< 1,000 ms" if goal else "",
            verdict,
        )
    for key, label in (
        ("data_bytes", "(b) bytes of the chart's data"),
        ("bytes", "(b) bytes of the whole page"),
    ):
        table.add_row(
            label,
            cell(carnet, "chart", key, "B"),
            cell(other, "chart", key, "B"),
            ratio("chart", key),
            "",
            "",
        )
    console.print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"machine": info, "mode": mode, "sizes": sizes, "results": results}, indent=2)
    )
    console.print(f"results: {args.output}", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
