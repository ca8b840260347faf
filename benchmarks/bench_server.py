"""The carnet server against ``mlflow server`` 3.17.2: both on SQLite, on loopback, one machine, one
run.

Usage::

    python benchmarks/bench_server.py            # the full benchmark (a few minutes)
    python benchmarks/bench_server.py --quick    # everything ~10x smaller: a smoke run
    python benchmarks/bench_server.py --only a,e # some cases only (f is always measured)

Each server runs in its own subprocess (``python -m carnet server`` and ``mlflow server --workers
1``), on a fresh SQLite database in its own temporary folder; the parent times its start-up and
samples its memory (the server process and its children) while the workloads run. Each workload
runs in its own client subprocess, so neither library's imports, connection pools or threads touch
the other's figures; the parent never imports mlflow. Results are printed as a table and written to
``benchmarks/results/server.json``.

Cases (see benchmarks/README.md):

(a) raw HTTP log-batch, 1,000 metric points per request, httpx with keep-alive (carnet:
    ``POST /api/v1/runs/{id}/batches``; MLflow: ``POST /api/2.0/mlflow/runs/log-batch``) -> points/s.
(b) the same workload through ``mlflow.MlflowClient(url).log_batch`` against each server -> points/s.
(c) carnet's SDK against carnet's server: ``run.log`` x N then ``run.complete()`` -> points/s.
(d) 5,000 runs (3 params, 3 metrics each) created through each server's REST API -> runs/s; then a
    filtered, ordered ``search_runs`` (median ms) and a paged scan of every run (s).
(e) ``get_metric_history`` of a 100,000-point series through each server -> s.
(f) each server's start-up (spawn -> ``/health`` answers) and peak memory (RSS) -> s, MB.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracking import _ms, _rate, machine_info, print_machine

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "server.json"
SEED = 20240611
BASE_TS = 1_700_000_000_000
BATCH = 1_000  # (a), (b): points per request; MLflow's log-batch accepts at most 1,000 metrics
B_KEYS = 10  # each batch holds 100 steps of 10 metrics
MLFLOW_ISSUE_RATE = 8_100  # (a) MLflow's figure quoted in the issue, points/s

SIZES: dict[str, dict[str, int]] = {
    "full": {
        "a_carnet": 500_000,
        "a_mlflow": 50_000,
        "b_carnet": 200_000,
        "b_mlflow": 50_000,
        "c_points": 200_000,
        "d_runs": 5_000,
        "d_queries": 5,
        "e_points": 100_000,
        "e_repeats": 3,
    },
    "quick": {
        "a_carnet": 50_000,
        "a_mlflow": 5_000,
        "b_carnet": 20_000,
        "b_mlflow": 5_000,
        "c_points": 20_000,
        "d_runs": 500,
        "d_queries": 5,
        "e_points": 10_000,
        "e_repeats": 3,
    },
}
SEARCH_FILTER = "metrics.m1 > 0.5 and params.p1 = 'v3'"
SEARCH_ORDER = ["metrics.m2 DESC"]
SEARCH_PAGE = 100  # (d) max_results of the filtered search
SCAN_PAGE = 1_000  # (d) page size of the full scan
CASES = ("a", "b", "c", "d", "e")
SIDE_CASES = {"carnet": CASES, "mlflow": ("a", "b", "d", "e")}
READY_TIMEOUT = 120.0
SETTLE_MAX = 60.0  # seconds to wait for a server to go idle after /health answers


# =============================================================================================
# Helpers
# =============================================================================================


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _batches(n: int) -> list[list[dict[str, Any]]]:
    """Batches of ``BATCH`` points as wire dicts: ``BATCH // B_KEYS`` steps of ``B_KEYS`` metrics."""
    steps = BATCH // B_KEYS
    out = []
    for b in range(n // BATCH):
        batch = []
        for s in range(b * steps, (b + 1) * steps):
            for k in range(B_KEYS):
                batch.append({"key": f"m{k}", "value": s * 0.001 + k, "timestamp": BASE_TS + s, "step": s})
        out.append(batch)
    return out


def generate_runs(n: int) -> list[dict[str, Any]]:
    """The (d) runs: 3 params and 3 metrics each, the same on both sides."""
    rng = random.Random(SEED)
    return [
        {
            "name": f"run-{i}",
            "p": {
                "p1": f"v{rng.randrange(10)}",
                "p2": f"v{rng.randrange(20)}",
                "p3": str(rng.randrange(1000)),
            },
            "m": {f"m{k}": rng.random() for k in range(1, 4)},
        }
        for i in range(n)
    ]


class Api:
    """The few REST calls the workers make, on the side's own API (httpx, keep-alive)."""

    def __init__(self, side: str, url: str) -> None:
        import httpx

        self.side = side
        self.http = httpx.Client(base_url=url, timeout=300.0)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = self.http.post(path, json=body)
        if resp.status_code >= 300:
            raise AssertionError(f"{self.side} POST {path}: {resp.status_code} {resp.text[:500]}")
        return resp.json()  # type: ignore[no-any-return]

    def create_experiment(self, name: str) -> str:
        if self.side == "carnet":
            return str(self._post("/api/v1/experiments", {"name": name})["experiment_id"])
        return str(self._post("/api/2.0/mlflow/experiments/create", {"name": name})["experiment_id"])

    def create_run(self, experiment_id: str, name: str | None = None) -> str:
        body: dict[str, Any] = {"experiment_id": experiment_id}
        if self.side == "carnet":
            if name:
                body["run_name"] = name
            return str(self._post("/api/v1/runs", body)["run"]["info"]["run_id"])
        body["start_time"] = int(time.time() * 1000)
        if name:
            body["run_name"] = name
        return str(self._post("/api/2.0/mlflow/runs/create", body)["run"]["info"]["run_id"])

    def log_batch(
        self, run_id: str, metrics: list[dict[str, Any]], params: list[dict[str, str]] | None = None
    ) -> None:
        if self.side == "carnet":
            body: dict[str, Any] = {"metrics": metrics}
            if params:
                body["params"] = params
            self._post(f"/api/v1/runs/{run_id}/batches", body)
        else:
            body = {"run_id": run_id, "metrics": metrics}
            if params:
                body["params"] = params
            self._post("/api/2.0/mlflow/runs/log-batch", body)

    def post_series(self, run_id: str, series: list[dict[str, Any]]) -> None:
        self._post(f"/api/v1/runs/{run_id}/batches", {"series": series})

    def finish(self, run_id: str) -> None:
        now = int(time.time() * 1000)
        if self.side == "carnet":
            resp = self.http.patch(f"/api/v1/runs/{run_id}", json={"status": "Completed", "end_time": now})
            if resp.status_code >= 300:
                raise AssertionError(f"carnet PATCH run: {resp.status_code} {resp.text[:500]}")
        else:
            self._post(
                "/api/2.0/mlflow/runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": now}
            )


def _history_len(side: str, url: str, run_id: str, key: str) -> int:
    """Untimed check through the tool's own client."""
    if side == "carnet":
        import carnet

        return len(carnet.Client(url).get_metric_history(run_id, key))
    from mlflow import MlflowClient

    return len(MlflowClient(url).get_metric_history(run_id, key))


# =============================================================================================
# Workers (client side; the server is already running at ``url``)
# =============================================================================================


def _as_series(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same points as carnet's compact form: per metric, aligned steps/timestamps/values."""
    grouped: dict[str, dict[str, Any]] = {}
    for m in batch:
        g = grouped.setdefault(m["key"], {"key": m["key"], "steps": [], "timestamps": [], "values": []})
        g["steps"].append(m["step"])
        g["timestamps"].append(m["timestamp"])
        g["values"].append(m["value"])
    return list(grouped.values())


def case_a(side: str, url: str, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes[f"a_{side}"]
    api = Api(side, url)
    eid = api.create_experiment("bench-a")
    batches = _batches(n)
    run_id = api.create_run(eid)
    api.log_batch(run_id, batches[0])  # warm-up (connection, first statement), not counted
    run_id = api.create_run(eid)

    def log_all() -> None:
        for batch in batches:
            api.log_batch(run_id, batch)

    dt, _ = _timed(log_all)
    stored = _history_len(side, url, run_id, "m0")
    _check(stored == n // B_KEYS, f"{side} (a): {stored} points of m0 stored, expected {n // B_KEYS}")
    out = {"points": n, "batch": BATCH, "requests": len(batches), "seconds": dt, "rate": n / dt}
    if side == "carnet":
        # The same points in carnet's compact batch form (what its SDK sends), on a fresh run.
        series = [_as_series(b) for b in batches]
        run_id = api.create_run(eid)

        def log_series() -> None:
            for body in series:
                api.post_series(run_id, body)

        dt, _ = _timed(log_series)
        stored = _history_len(side, url, run_id, "m0")
        _check(stored == n // B_KEYS, f"carnet (a, series): {stored} points of m0, expected {n // B_KEYS}")
        out.update({"series_seconds": dt, "series_rate": n / dt})
    return out


def case_b(side: str, url: str, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes[f"b_{side}"]
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    client = MlflowClient(url)
    eid = client.create_experiment("bench-b")
    batches = [[Metric(m["key"], m["value"], m["timestamp"], m["step"]) for m in b] for b in _batches(n)]
    client.log_batch(client.create_run(eid).info.run_id, metrics=batches[0])  # warm-up
    run_id = client.create_run(eid).info.run_id

    def log_all() -> None:
        for batch in batches:
            client.log_batch(run_id, metrics=batch)

    dt, _ = _timed(log_all)
    stored = len(client.get_metric_history(run_id, "m0"))
    _check(stored == n // B_KEYS, f"{side} (b): {stored} points of m0 stored, expected {n // B_KEYS}")
    return {"points": n, "batch": BATCH, "seconds": dt, "rate": n / dt}


def case_c(side: str, url: str, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes["c_points"]
    import carnet

    ws = carnet.Workspace(url)
    exp = carnet.Experiment(ws, "bench-c")
    warm = exp.start_logging()
    warm.log("loss", 0.0)
    warm.complete()

    def log_all() -> str:
        run = exp.start_logging()
        log = run.log
        for i in range(n):
            log("loss", i * 0.5)
        run.complete()
        return str(run.id)

    dt, run_id = _timed(log_all)
    history = carnet.Client(url).get_metric_history(run_id, "loss")
    _check(len(history) == n, f"carnet (c): {len(history)} points stored, expected {n}")
    _check(history[-1].value == (n - 1) * 0.5, "carnet (c): wrong last value")
    return {"points": n, "seconds": dt, "rate": n / dt, "timed": "start_logging + run.log x N + complete"}


def case_d(side: str, url: str, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes["d_runs"]
    api = Api(side, url)
    eid = api.create_experiment("bench-d")
    runs = generate_runs(n)

    def create_all() -> list[str]:
        ids = []
        for r in runs:
            run_id = api.create_run(eid, r["name"])
            api.log_batch(
                run_id,
                [{"key": k, "value": v, "timestamp": BASE_TS, "step": 0} for k, v in r["m"].items()],
                [{"key": k, "value": v} for k, v in r["p"].items()],
            )
            api.finish(run_id)
            ids.append(run_id)
        return ids

    create_s, _ids = _timed(create_all)
    expected = sorted(
        (r for r in runs if r["m"]["m1"] > 0.5 and r["p"]["p1"] == "v3"), key=lambda r: -r["m"]["m2"]
    )
    top = [r["name"] for r in expected[:SEARCH_PAGE]]

    if side == "carnet":
        import carnet

        client: Any = carnet.Client(url)

        def search(max_results: int, token: str | None = None, filt: str = SEARCH_FILTER,
                   order: list[str] | None = SEARCH_ORDER) -> tuple[list[Any], str | None]:  # fmt: skip
            page = client.search_runs([eid], filt, max_results=max_results, order_by=order, page_token=token)
            return list(page), page.token
    else:
        from mlflow import MlflowClient

        client = MlflowClient(url)

        def search(max_results: int, token: str | None = None, filt: str = SEARCH_FILTER,
                   order: list[str] | None = SEARCH_ORDER) -> tuple[list[Any], str | None]:  # fmt: skip
            page = client.search_runs([eid], filt, max_results=max_results, order_by=order, page_token=token)
            return list(page), page.token

    search(SEARCH_PAGE)  # warm-up
    times, page = [], []
    for _ in range(sizes["d_queries"]):
        dt, (page, _token) = _timed(lambda: search(SEARCH_PAGE))
        times.append(dt)
    names = [r.info.run_name for r in page]
    _check(names == top, f"{side} (d): the top {SEARCH_PAGE} runs differ from the expected ones")

    def scan() -> int:
        count, token = 0, None
        while True:
            rows, token = search(SCAN_PAGE, token, filt="", order=None)
            count += len(rows)
            _check(
                all(len(r.data.params) == 3 and len(r.data.metrics) == 3 for r in rows), "runs without data"
            )
            if not token:
                return count

    scan_s, scanned = _timed(scan)
    _check(scanned == n, f"{side} (d): the scan returned {scanned} runs, expected {n}")
    return {
        "runs": n,
        "create_seconds": create_s,
        "create_rate": n / create_s,
        "requests_per_run": 3,
        "matches": len(expected),
        "search_seconds": times,
        "search_median_ms": statistics.median(times) * 1000,
        "scan_page": SCAN_PAGE,
        "scan_seconds": scan_s,
    }


def case_e(side: str, url: str, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes["e_points"]
    api = Api(side, url)
    eid = api.create_experiment("bench-e")
    run_id = api.create_run(eid)
    per_request = 10_000 if side == "carnet" else BATCH  # each API's own limit
    populate_start = time.perf_counter()
    for start in range(0, n, per_request):
        api.log_batch(
            run_id,
            [{"key": "loss", "value": i * 0.001, "timestamp": BASE_TS + i, "step": i}
             for i in range(start, min(n, start + per_request))],
        )  # fmt: skip
    populate_s = time.perf_counter() - populate_start
    if side == "carnet":
        import carnet

        read: Callable[[], list[Any]] = lambda: carnet.Client(url).get_metric_history(run_id, "loss")  # noqa: E731
    else:
        from mlflow import MlflowClient

        read = lambda: MlflowClient(url).get_metric_history(run_id, "loss")  # noqa: E731
    times = []
    for _ in range(sizes["e_repeats"]):
        dt, history = _timed(read)
        _check(len(history) == n, f"{side} (e): {len(history)} points read, expected {n}")
        steps = sorted(m.step for m in history)
        _check(steps == list(range(n)), f"{side} (e): the steps read back are not 0..{n - 1}")
        del history, steps
        times.append(dt)
    median = statistics.median(times)
    return {
        "points": n,
        "populate_seconds": populate_s,
        "populate": f"log-batch requests of {per_request:,} points (untimed)",
        "repeats": len(times),
        "seconds": times,
        "median_s": median,
        "rate": n / median,
    }


WORKERS: dict[str, Callable[[str, str, dict[str, int]], dict[str, Any]]] = {
    "a": case_a,
    "b": case_b,
    "c": case_c,
    "d": case_d,
    "e": case_e,
}


def worker_main(side: str, case: str, mode: str, url: str, out_path: str) -> None:
    with tempfile.TemporaryDirectory(prefix=f"bench-client-{side}-{case}-") as tmp:
        os.chdir(tmp)
        result = WORKERS[case](side, url, SIZES[mode])
        Path(out_path).write_text(json.dumps(result))


# =============================================================================================
# The parent: servers, memory, workers, report
# =============================================================================================


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MLFLOW_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="true",
        MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false",
        MLFLOW_ENABLE_ASYNC_LOGGING="false",
        GIT_PYTHON_REFRESH="quiet",
        PYTHONWARNINGS="ignore",
    )
    for name in (
        "CARNET_TRACKING_URI",
        "CARNET_ARTIFACT_ROOT",
        "CARNET_RUN_ID",
        "CARNET_EXPERIMENT_NAME",
        "MLFLOW_TRACKING_URI",
    ):
        env.pop(name, None)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree_pids(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc (empty where there is no /proc)."""
    children: dict[int, list[int]] = {}
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return []
    for entry in proc_dir.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its descendants (/proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in _tree_pids(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _tree_rss(pid: int) -> int:
    """RSS in bytes of ``pid`` and all its descendants (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            proc = psutil.Process(pid)
            total = proc.memory_info().rss
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            return int(total)
        except psutil.Error:
            return 0
    total, todo = 0, _tree_pids(pid)
    for p in todo:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            pass
    return total


class Server:
    """One server subprocess: spawned, timed until ``/health`` answers, its memory sampled."""

    def __init__(self, side: str, tmp: Path) -> None:
        self.side = side
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / f"{side}-server.log"
        db = f"sqlite:///{tmp / (side + '.db')}"
        if side == "carnet":
            cmd = [sys.executable, "-m", "carnet", "server", "--host", "127.0.0.1", "--port", str(self.port),
                   "--backend-store-uri", db,
                   "--artifacts-destination", str(tmp / "carnet-artifacts")]  # fmt: skip
        else:
            exe = Path(sys.executable).parent / "mlflow"
            launcher = [str(exe)] if exe.exists() else [sys.executable, "-m", "mlflow"]
            cmd = [*launcher, "server", "--host", "127.0.0.1", "--port", str(self.port),
                   "--backend-store-uri", db, "--artifacts-destination", str(tmp / "mlflow-artifacts"),
                   "--workers", "1"]  # fmt: skip
        self.cmd = cmd
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._log = self.log_path.open("wb")
        start = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, cwd=tmp, env=worker_env(), stdout=self._log, stderr=subprocess.STDOUT
        )
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        self.ready_s = self._wait_ready(start)
        self.ready_rss = _tree_rss(self.proc.pid)
        self.settle_s = self._settle()

    def _sample(self) -> None:
        while not self._stop.is_set():
            rss = _tree_rss(self.proc.pid)
            self.peak = max(self.peak, rss)
            self.samples += 1
            self._stop.wait(0.05)

    def _wait_ready(self, start: float) -> float:
        import httpx

        with httpx.Client(timeout=2.0) as http:
            while time.perf_counter() - start < READY_TIMEOUT:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"{self.side} server exited ({self.proc.returncode}):\n{self.log_tail()}"
                    )
                try:
                    if http.get(f"{self.url}/health").status_code == 200:
                        return time.perf_counter() - start
                except httpx.HTTPError:
                    pass
                time.sleep(0.01)
        raise RuntimeError(f"{self.side} server not ready after {READY_TIMEOUT} s:\n{self.log_tail()}")

    def _settle(self) -> float:
        """Wait until the server's processes go idle (< 10% of a CPU over 1 s; at most SETTLE_MAX s).

        ``mlflow server`` answers /health while it is still starting its job runner and its huey
        consumers (7 more Python processes); on a small machine they would take CPU from the first
        workload. Both servers get the same wait; it is reported, not counted in the start-up time.
        """
        start = time.perf_counter()
        if not Path("/proc").is_dir():
            return 0.0
        while time.perf_counter() - start < SETTLE_MAX:
            before = _tree_cpu(self.proc.pid)
            time.sleep(1.0)
            if _tree_cpu(self.proc.pid) - before < 0.1:
                break
        return time.perf_counter() - start

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        self._stop.set()
        self._sampler.join()
        family = _tree_pids(self.proc.pid)[1:]
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for pid in family:  # the server's own children (MLflow's uvicorn, job runner, huey consumers)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        self._log.close()


def run_worker(side: str, case: str, mode: str, url: str, console: Any) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out_path = handle.name
    try:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", side, case, mode, url, out_path]
        with console.status(f"({case}) {side} ..."):
            start = time.perf_counter()
            proc = subprocess.run(cmd, env=worker_env(), capture_output=True, text=True, check=False)
            wall = time.perf_counter() - start
        if proc.returncode != 0:
            console.print(f"[red]({case}) {side} failed (exit {proc.returncode}):[/red]")
            console.print(proc.stderr[-4000:] or proc.stdout[-4000:], markup=False, highlight=False)
            return {"error": (proc.stderr or proc.stdout)[-2000:]}
        result: dict[str, Any] = json.loads(Path(out_path).read_text())
        result["process_seconds"] = wall
        console.print(f"  ({case}) {side}: done in {wall:.1f} s", highlight=False)
        return result
    finally:
        Path(out_path).unlink(missing_ok=True)


def run_side(side: str, cases: list[str], mode: str, console: Any) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-server-{side}-"))
    try:
        with console.status(f"starting the {side} server ..."):
            try:
                server = Server(side, tmp)
            except RuntimeError as exc:
                console.print(f"[red]{exc}[/red]", highlight=False)
                return {"f": {"error": str(exc)[-2000:]}}
        console.print(
            f"  {side} server ready in {server.ready_s:.2f} s at {server.url}, idle after "
            f"{server.settle_s:.1f} s more",
            highlight=False,
        )
        try:
            for case in cases:
                if case in SIDE_CASES[side]:
                    results[case] = run_worker(side, case, mode, server.url, console)
        finally:
            server.stop()
            if server.proc.returncode not in (0, -15):
                console.print(f"[yellow]{side} server exited with {server.proc.returncode}[/yellow]")
        results["f"] = {
            "command": " ".join(server.cmd[1:] if side == "carnet" else server.cmd),
            "ready_seconds": server.ready_s,
            "ready_rss_mb": server.ready_rss / 1e6,
            "settle_seconds": server.settle_s,
            "peak_rss_mb": server.peak / 1e6,
            "rss_samples": server.samples,
            "cases_during": [c for c in cases if c in SIDE_CASES[side]],
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def build_rows(results: dict[str, dict[str, Any]], sizes: dict[str, int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def get(case: str, side: str) -> dict[str, Any] | None:
        res = results.get(side, {}).get(case)
        return None if res is None or "error" in res else res

    def row(rid: str, title: str, workload: str, c: str, m: str, ratio: float | None, goal: str,
            ok: bool | None) -> None:  # fmt: skip
        rows.append({"id": rid, "benchmark": title, "workload": workload, "carnet": c, "mlflow": m,
                     "ratio": ratio, "goal": goal, "pass": ok})  # fmt: skip

    def ran(case: str) -> bool:
        return any(case in results.get(s, {}) for s in ("carnet", "mlflow"))

    if ran("a"):
        c, m = get("a", "carnet"), get("a", "mlflow")
        ratio = c["rate"] / m["rate"] if c and m else None
        row("a", f"(a) raw HTTP log-batch, {BATCH:,} points per request (points/s)",
            f"httpx keep-alive; carnet POST /api/v1/runs/{{id}}/batches, MLflow POST "
            f"/api/2.0/mlflow/runs/log-batch; points: carnet {sizes['a_carnet']:,}, "
            f"MLflow {sizes['a_mlflow']:,}",
            _rate(c["rate"], "points/s") if c else "error",
            f"{_rate(m['rate'], 'points/s')}\n(issue: ~{MLFLOW_ISSUE_RATE:,})" if m else "error",
            ratio, ">= 50x", bool(ratio and ratio >= 50))  # fmt: skip
        if c and "series_rate" in c:
            ratio = c["series_rate"] / m["rate"] if m else None
            row("a:series", "(a) the same, in carnet's compact batch form (points/s)",
                "carnet: {\"series\": [{key, steps, timestamps, values}]} per request, as its SDK "
                "sends; MLflow has no such form (its figure repeated)",
                _rate(c["series_rate"], "points/s"), _rate(m["rate"], "points/s") if m else "error",
                ratio, "none (informative)", None)  # fmt: skip
    if ran("b"):
        c, m = get("b", "carnet"), get("b", "mlflow")
        ratio = c["rate"] / m["rate"] if c and m else None
        row("b", f"(b) MlflowClient(url).log_batch, {BATCH:,} points per call (points/s)",
            f"the mlflow client against each server; points: carnet {sizes['b_carnet']:,}, "
            f"MLflow {sizes['b_mlflow']:,}",
            _rate(c["rate"], "points/s") if c else "error", _rate(m["rate"], "points/s") if m else "error",
            ratio, "none (informative)", None)  # fmt: skip
    if ran("c"):
        c = get("c", "carnet")
        row("c", "(c) carnet SDK -> carnet server, run.log + complete (points/s)",
            f"Workspace(url), Experiment.start_logging(), run.log('loss', v) x{sizes['c_points']:,}, "
            "run.complete(); the SDK batches",
            _rate(c["rate"], "points/s") if c else "error", "-", None, ">= 200k points/s",
            bool(c and c["rate"] >= 200_000))  # fmt: skip
    if ran("d"):
        c, m = get("d", "carnet"), get("d", "mlflow")
        n = sizes["d_runs"]
        ratio = c["create_rate"] / m["create_rate"] if c and m else None
        row("d:create", "(d) create runs through the REST API (runs/s)",
            f"{n:,} runs, each: create, one batch (3 params + 3 metrics), finish = 3 requests (httpx)",
            _rate(c["create_rate"], "runs/s") if c else "error",
            _rate(m["create_rate"], "runs/s") if m else "error", ratio, ">= 20x",
            bool(ratio and ratio >= 20))  # fmt: skip
        ratio = m["search_median_ms"] / c["search_median_ms"] if c and m else None
        matches = (c or m or {}).get("matches", 0)
        row("d:search", f"(d) search_runs over {n:,} runs, max_results={SEARCH_PAGE} (median ms)",
            f"{SEARCH_FILTER} ORDER BY {', '.join(SEARCH_ORDER)} ({matches:,} matches); "
            f"carnet.Client(url) vs MlflowClient(url); median of {sizes['d_queries']}",
            _ms(c["search_median_ms"]) if c else "error", _ms(m["search_median_ms"]) if m else "error",
            ratio, ">= 20x", bool(ratio and ratio >= 20))  # fmt: skip
        ratio = m["scan_seconds"] / c["scan_seconds"] if c and m else None
        row("d:scan", f"(d) paged scan of all {n:,} runs (s)",
            f"search_runs with no filter, pages of {SCAN_PAGE:,}, following page tokens",
            f"{c['scan_seconds']:.2f} s" if c else "error", f"{m['scan_seconds']:.2f} s" if m else "error",
            ratio, ">= 20x", bool(ratio and ratio >= 20))  # fmt: skip
    if ran("e"):
        c, m = get("e", "carnet"), get("e", "mlflow")
        ratio = m["median_s"] / c["median_s"] if c and m else None
        row("e", f"(e) get_metric_history of {sizes['e_points']:,} points through the server (s)",
            f"carnet.Client(url) vs MlflowClient(url); median of {sizes['e_repeats']}",
            f"{c['median_s']:.3f} s" if c else "error", f"{m['median_s']:.3f} s" if m else "error",
            ratio, ">= 20x", bool(ratio and ratio >= 20))  # fmt: skip
    c, m = get("f", "carnet"), get("f", "mlflow")
    ratio = m["ready_seconds"] / c["ready_seconds"] if c and m else None
    row("f:ready", "(f) start-up: spawn -> /health answers (s)", "fresh SQLite database (schema created)",
        f"{c['ready_seconds']:.2f} s" if c else "error", f"{m['ready_seconds']:.2f} s" if m else "error",
        ratio, "carnet < 2 s", bool(c and c["ready_seconds"] < 2))  # fmt: skip
    ratio = m["peak_rss_mb"] / c["peak_rss_mb"] if c and m else None
    row("f:memory", "(f) peak RSS of the server process and its children (MB)",
        "sampled every 50 ms from spawn to stop, over all the cases above",
        f"{c['peak_rss_mb']:,.0f} MB\n(idle {c['ready_rss_mb']:,.0f} MB)" if c else "error",
        f"{m['peak_rss_mb']:,.0f} MB\n(idle {m['ready_rss_mb']:,.0f} MB)" if m else "error",
        ratio, "carnet < 300 MB", bool(c and c["peak_rss_mb"] < 300))  # fmt: skip
    return rows


def print_report(console: Any, info: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(
        title=f"carnet {info['carnet']} server vs mlflow server {info['mlflow']} (SQLite, loopback, "
        "1 worker)",
        caption="Ratio = carnet speed / MLflow speed (>1: carnet faster; times and memory: MLflow / carnet)",
        show_lines=True,
    )
    table.add_column("Benchmark", ratio=3)
    table.add_column("Workload", ratio=4)
    table.add_column("carnet", justify="right", ratio=2)
    table.add_column(f"MLflow {info['mlflow']}", justify="right", ratio=2)
    table.add_column("Ratio", justify="right", ratio=1)
    table.add_column("Goal", ratio=2)
    table.add_column("Result", justify="center", ratio=1)
    for r in rows:
        ratio = f"{r['ratio']:,.1f}x" if r["ratio"] is not None else "-"
        if r["pass"] is None:
            verdict = "-"
        else:
            verdict = "[bold green]PASS[/bold green]" if r["pass"] else "[bold red]MISS[/bold red]"
        table.add_row(r["benchmark"], r["workload"], r["carnet"], r["mlflow"], ratio, r["goal"], verdict)
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="everything about 10x smaller: a smoke run")
    parser.add_argument("--only", default=",".join(CASES), help="comma-separated cases (default: a,b,c,d,e)")
    parser.add_argument("--output", default=str(RESULTS), help=f"JSON results file (default: {RESULTS})")
    parser.add_argument(
        "--worker", nargs=5, metavar=("SIDE", "CASE", "MODE", "URL", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)

    if args.worker:
        worker_main(*args.worker)
        return 0

    from rich.console import Console

    console = Console() if sys.stdout.isatty() else Console(width=160)
    mode = "quick" if args.quick else "full"
    cases = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"--only: unknown case(s) {', '.join(unknown)}; use {', '.join(CASES)}")
    info = machine_info()
    print_machine(console, info, f"[bold]carnet server vs mlflow server[/bold], {mode} run")

    started = time.perf_counter()
    results = {side: run_side(side, cases, mode, console) for side in ("carnet", "mlflow")}
    elapsed = time.perf_counter() - started

    rows = build_rows(results, SIZES[mode])
    print_report(console, info, rows)
    judged = [r for r in rows if r["pass"] is not None]
    passed = sum(1 for r in judged if r["pass"])
    console.print(f"\n{passed}/{len(judged)} goals met; the benchmark took {elapsed:.0f} s.", highlight=False)

    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "mode": mode,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": info,
        "sizes": SIZES[mode],
        "elapsed_seconds": elapsed,
        "rows": rows,
        "results": results,
    }
    output.write_text(json.dumps(report, indent=2) + "\n")
    console.print(f"results written to {output}", highlight=False)
    failed = [f"{side} ({case})" for side, res in results.items() for case, r in res.items() if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
