"""carnet (embedded, SQLite) against MLflow 3.17.2 (in-process, SQLite): the same workloads, one
machine, one run.

Usage::

    python benchmarks/bench_tracking.py            # the full benchmark (a few minutes)
    python benchmarks/bench_tracking.py --quick    # everything ~10x smaller: a smoke run
    python benchmarks/bench_tracking.py --only a,c # some cases only

Each measurement runs in its own subprocess with its own temporary folder, so neither library's
import, caches, engines or background threads touch the other's figures. The parent process never
imports mlflow. Results are printed as a table and written to ``benchmarks/results/latest.json``.

Cases (see benchmarks/README.md):

(a) single metric-logging calls in one run, the time covering the data reaching the database
    (carnet: ``run.log`` / ``carnet.log_metric`` then ``complete``; MLflow: ``mlflow.log_metric``
    then ``end_run``) -> calls/s.
(b) metric points through ``log_batch`` in batches of 1,000 -> points/s.
(c) a filtered, ordered ``search_runs`` over 100,000 runs (5 params, 5 metrics each) -> median ms.
(d) ``get_metric_history`` of a 1,000,000-point series -> seconds and points/s.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"
MLFLOW_VERSION = "3.17.2"
SEED = 20240611
BASE_TS = 1_700_000_000_000  # fixed timestamps keep both databases identical

# Workload sizes: full run, and --quick (about 10x smaller). MLflow's (c) queries take 30 to 90 s
# each on 100,000 runs, so the full run times one query per filter there (after its untimed
# full-count check, which is as slow).
SIZES: dict[str, dict[str, int]] = {
    "full": {
        "a_carnet": 100_000,
        "a_mlflow": 2_000,
        "b_carnet": 1_000_000,
        "b_mlflow": 100_000,
        "c_runs": 100_000,
        "c_queries_carnet": 10,
        "c_queries_mlflow": 1,
        "c_count_mlflow": 1,
        "d_carnet": 1_000_000,
        "d_mlflow": 1_000_000,
    },
    "quick": {
        "a_carnet": 10_000,
        "a_mlflow": 200,
        "b_carnet": 100_000,
        "b_mlflow": 10_000,
        "c_runs": 10_000,
        "c_queries_carnet": 10,
        "c_queries_mlflow": 3,
        "c_count_mlflow": 1,
        "d_carnet": 100_000,
        "d_mlflow": 100_000,
    },
}
BATCH = 1_000  # (b) points per log_batch call, both sides
B_KEYS = 10  # (b) each batch holds 100 steps of 10 metrics
REPEATS_CARNET = 3  # (a), (b), (d): carnet is fast enough to take the median of 3
REPEATS_MLFLOW = 1  # MLflow's single measurement already takes seconds to a minute

# (c) the searches. ``expect`` is the same filter evaluated in Python on the generated data.
Search = dict[str, Any]
SEARCHES: list[Search] = [
    {
        "id": "c1",
        "filter": "metrics.m1 > 0.5 and params.p1 = 'v3'",
        "order_by": ["metrics.m2 DESC"],
        "expect": lambda r: r["m"]["m1"] > 0.5 and r["p"]["p1"] == "v3",
        "sort": lambda r: -r["m"]["m2"],
        "mlflow": True,
    },
    {
        "id": "c2",
        "filter": "params.p2 LIKE 'v1%' and metrics.m3 < 0.3 and metrics.m4 >= 0.2",
        "order_by": ["metrics.m5 ASC"],
        "expect": lambda r: r["p"]["p2"].startswith("v1") and r["m"]["m3"] < 0.3 and r["m"]["m4"] >= 0.2,
        "sort": lambda r: r["m"]["m5"],
        "mlflow": True,
    },
    {
        # MLflow's filter grammar has no OR: carnet only.
        "id": "c3",
        "filter": "params.p1 = 'v3' OR metrics.m3 < 0.05",
        "order_by": ["metrics.m2 DESC"],
        "expect": lambda r: r["p"]["p1"] == "v3" or r["m"]["m3"] < 0.05,
        "sort": lambda r: -r["m"]["m2"],
        "mlflow": False,
    },
]
PAGE = 100  # (c) max_results


# =============================================================================================
# Shared helpers (workers)
# =============================================================================================


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def generate_runs(n: int) -> list[dict[str, Any]]:
    """The (c) data set: ``n`` runs with 5 params and 5 metrics each, the same for both sides."""
    rng = random.Random(SEED)
    optimizers = ("adam", "sgd", "rmsprop", "adamw")
    runs = []
    for i in range(n):
        runs.append(
            {
                "id": f"{rng.getrandbits(128):032x}",
                "name": f"run-{i}",
                "start": BASE_TS + i * 1000,
                "p": {
                    "p1": f"v{rng.randrange(10)}",
                    "p2": f"v{rng.randrange(20)}",
                    "p3": f"{rng.choice((1, 3, 10, 30))}e-4",
                    "p4": str(rng.randrange(1000)),
                    "p5": rng.choice(optimizers),
                },
                "m": {f"m{k}": rng.random() for k in range(1, 6)},
                "team": f"team-{i % 4}",
            }
        )
    return runs


def expected_search(runs: list[dict[str, Any]], search: Search) -> tuple[int, list[str]]:
    """The count and top page of ``search`` (no ties: metric values are distinct floats)."""
    matches = [r for r in runs if search["expect"](r)]
    matches.sort(key=search["sort"])
    return len(matches), [r["id"] for r in matches[:PAGE]]


def _sqlite_bulk(path: Path, statements: list[tuple[str, Any]]) -> float:
    """Run executemany INSERTs in one transaction; return the seconds taken."""
    start = time.perf_counter()
    con = sqlite3.connect(path)
    try:
        with con:
            for sql, rows in statements:
                con.executemany(sql, rows)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return time.perf_counter() - start


def _columns(db: Path, table: str) -> dict[str, tuple[bool, bool]]:
    """A table's columns: name -> (required, primary key); required = NOT NULL without a default."""
    con = sqlite3.connect(db)
    try:
        info = con.execute(f"PRAGMA table_info({table})").fetchall()
    finally:
        con.close()
    return {
        name: (bool(notnull) and default is None, bool(pk)) for _cid, name, _t, notnull, default, pk in info
    }


def _check_required_columns(db: Path, insert_sql: str) -> None:
    """Fail clearly when the schema has moved on from what a direct INSERT writes."""
    table = insert_sql.split()[2]
    named = {c.strip() for c in insert_sql.split("(", 1)[1].split(")", 1)[0].split(",")}
    columns = _columns(db, table)
    unknown = named - set(columns)
    # An INTEGER PRIMARY KEY (the rowid) is filled in by SQLite when omitted.
    missing = {c for c, (required, pk) in columns.items() if required and not pk} - named
    if unknown or missing:
        raise AssertionError(
            f"the {table} table no longer matches the benchmark's direct INSERT (unknown columns: "
            f"{sorted(unknown)}, required columns not written: {sorted(missing)}): update "
            "benchmarks/bench_tracking.py"
        )


def _median(values: list[float]) -> float:
    return statistics.median(values)


# =============================================================================================
# carnet workers
# =============================================================================================


def carnet_open(tmp: Path) -> tuple[Any, Any, str, str]:
    import carnet

    uri = f"sqlite:///{tmp / 'carnet.db'}"
    carnet.set_tracking_uri(uri)
    client = carnet.Client(uri)
    experiment_id = client.create_experiment("bench")
    return carnet, client, uri, experiment_id


def carnet_a(tmp: Path, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes["a_carnet"]
    carnet, client, _uri, eid = carnet_open(tmp)

    def run_log() -> str:
        run = carnet.start_run(experiment_id=eid)
        log = run.log
        for i in range(n):
            log("loss", i * 0.5)
        run.complete()
        return str(run.id)

    def fluent_log_metric() -> str:
        run = carnet.start_run(experiment_id=eid)
        log_metric = carnet.log_metric
        for i in range(n):
            log_metric("loss", i * 0.5, step=i)
        carnet.end_run()
        return str(run.id)

    out: dict[str, Any] = {"calls": n, "repeats": REPEATS_CARNET}
    for name, fn in (("run_log", run_log), ("log_metric", fluent_log_metric)):
        seconds = []
        for _ in range(REPEATS_CARNET):
            dt, run_id = _timed(fn)
            history = client.get_metric_history(run_id, "loss")
            _check(len(history) == n, f"carnet (a) {name}: {len(history)} points stored, expected {n}")
            _check(history[-1].value == (n - 1) * 0.5, f"carnet (a) {name}: wrong last value")
            seconds.append(dt)
        out[name] = {"seconds": seconds, "rate": n / _median(seconds)}
    return out


def carnet_b(tmp: Path, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes["b_carnet"]
    carnet, client, _uri, eid = carnet_open(tmp)
    batches = _batches(carnet.Metric, n)
    seconds = []
    for _ in range(REPEATS_CARNET):
        run_id = client.create_run(eid).info.run_id

        def log_all(run_id: str = run_id) -> None:
            for batch in batches:
                client.log_batch(run_id, metrics=batch)

        dt, _ = _timed(log_all)
        stored = client.get_metric_history(run_id, "m0")
        _check(len(stored) == n // B_KEYS, f"carnet (b): {len(stored)} points of m0, expected {n // B_KEYS}")
        seconds.append(dt)
    return {
        "points": n,
        "batch": BATCH,
        "repeats": REPEATS_CARNET,
        "seconds": seconds,
        "rate": n / _median(seconds),
    }


def _batches(metric: Any, n: int) -> list[list[Any]]:
    """(b) batches of ``BATCH`` points: ``BATCH // B_KEYS`` steps of ``B_KEYS`` metrics each."""
    steps_per_batch = BATCH // B_KEYS
    batches = []
    for b in range(n // BATCH):
        batch = []
        for s in range(b * steps_per_batch, (b + 1) * steps_per_batch):
            ts = BASE_TS + s
            for k in range(B_KEYS):
                batch.append(metric(f"m{k}", s * 0.001 + k, ts, s))
        batches.append(batch)
    return batches


def carnet_c(tmp: Path, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes["c_runs"]
    _carnet, client, uri, eid = carnet_open(tmp)
    runs = generate_runs(n)
    db = Path(uri.split(":///", 1)[1])
    exp = int(eid)
    artifact = str(tmp / "artifacts")
    # Child tables reference a run by its public id (run_id) or, in newer schemas, by the integer
    # run_key; each run gets run_key = its index + 1 when the column exists.
    by_key = "run_key" in _columns(db, "params")
    with_key = "run_key" in _columns(db, "runs")
    key_col, key_mark = ("run_key, ", "?, ") if with_key else ("", "")
    ref = "run_key" if by_key else "run_id"
    # Numeric points: packed chunks (metric_chunks) in current schemas, a row each before.
    chunked = bool(_columns(db, "metric_chunks"))
    series_rows, point_rows, param_rows, tag_rows, run_rows = [], [], [], [], []
    series_id = 0
    for i, r in enumerate(runs):
        run_ref = i + 1 if by_key else r["id"]
        keys = (i + 1,) if with_key else ()
        run_rows.append(
            (*keys, r["id"], exp, r["name"], r["start"], r["start"] + 500, f"{artifact}/{r['id']}")
        )
        for key, value in r["p"].items():
            param_rows.append((run_ref, key, value))
        tag_rows.append((run_ref, r["team"]))
        for key, value in r["m"].items():
            series_id += 1
            series_rows.append((series_id, run_ref, key, value, r["start"]))
            if chunked:  # one chunk of one point: step 0
                point_rows.append((series_id, struct.pack("<q", r["start"]), struct.pack("<d", value)))
            else:
                point_rows.append((series_id, r["start"], value))
    statements = [
        (
            f"INSERT INTO runs ({key_col}run_id, experiment_id, run_name, status, start_time, end_time, "
            "lifecycle_stage, artifact_uri, user_id, parent_run_id, source_type, source_name, git_commit, "
            f"git_dirty, description) VALUES ({key_mark}?, ?, ?, 'Completed', ?, ?, 'active', ?, 'bench', "
            "NULL, 'LOCAL', 'bench.py', NULL, NULL, '')",
            run_rows,
        ),
        (f"INSERT INTO params ({ref}, key, value) VALUES (?, ?, ?)", param_rows),
        (f"INSERT INTO tags ({ref}, key, value) VALUES (?, 'team', ?)", tag_rows),
        (
            f"INSERT INTO metric_series (series_id, {ref}, name, kind, description, count, last_value, "
            "last_step, last_timestamp, columns) VALUES (?, ?, ?, 'series', '', 1, ?, 0, ?, NULL)",
            series_rows,
        ),
        (
            "INSERT INTO metric_chunks (series_id, seq, n, min_step, max_step, step_data, timestamp_data, "
            f"value_data) VALUES (?, 0, 1, 0, 0, X'{'00' * 8}', ?, ?)"
            if chunked
            else "INSERT INTO metric_points (series_id, step, timestamp, value) VALUES (?, 0, ?, ?)",
            point_rows,
        ),
    ]
    for sql, _rows in statements:
        _check_required_columns(db, sql)
    populate_s = _sqlite_bulk(db, statements)
    del series_rows, point_rows, param_rows, tag_rows, run_rows

    def search(s: Search, max_results: int = PAGE) -> list[Any]:
        return list(client.search_runs([eid], s["filter"], max_results=max_results, order_by=s["order_by"]))

    return _run_searches(
        runs,
        search,
        populate_s,
        "direct SQL INSERTs into carnet's schema (runs, params, tags, metric_series, metric_chunks)",
        queries=sizes["c_queries_carnet"],
        check_count=True,
        all_searches=True,
    )


def _run_searches(
    runs: list[dict[str, Any]],
    search: Callable[..., list[Any]],
    populate_s: float,
    populate_how: str,
    *,
    queries: int,
    check_count: bool,
    all_searches: bool,
) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": len(runs), "populate_seconds": populate_s, "populate": populate_how}
    for s in SEARCHES:
        if not (all_searches or s["mlflow"]):
            continue
        count, top = expected_search(runs, s)
        if check_count:  # untimed: every match, in one page
            everything = search(s, max_results=50_000)
            _check(len(everything) == count, f"{s['id']}: {len(everything)} runs match, expected {count}")
        if queries > 1:
            search(s)  # warm-up, untimed
        times, page = [], []
        for _ in range(queries):
            dt, page = _timed(lambda s=s: search(s))
            times.append(dt)
        ids = [r.info.run_id for r in page]
        _check(ids == top, f"{s['id']}: the top {PAGE} run ids differ from the expected ones")
        first = page[0].data
        _check(
            len(first.params) == 5 and len(first.metrics) == 5,
            f"{s['id']}: runs come back without their data",
        )
        out[s["id"]] = {
            "filter": s["filter"],
            "order_by": s["order_by"],
            "matches": count,
            "count_verified": check_count,
            "top_ids_verified": True,
            "queries": queries,
            "seconds": times,
            "median_ms": _median(times) * 1000,
        }
    return out


def carnet_d(tmp: Path, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes["d_carnet"]
    carnet, client, _uri, eid = carnet_open(tmp)
    run_id = client.create_run(eid).info.run_id
    metric = carnet.Metric
    start = time.perf_counter()
    chunk = 10_000  # carnet's per-batch limit
    for b in range(0, n, chunk):
        client.log_batch(
            run_id,
            metrics=[metric("loss", i * 0.001, BASE_TS + i // 100, i) for i in range(b, min(n, b + chunk))],
        )
    populate_s = time.perf_counter() - start
    seconds = []
    for _ in range(REPEATS_CARNET):
        dt, history = _timed(lambda: client.get_metric_history(run_id, "loss"))
        _verify_history(history, n, "carnet")
        del history
        seconds.append(dt)
    return {
        "points": n,
        "populate": "Client.log_batch, 10,000 points per call",
        "populate_seconds": populate_s,
        "repeats": REPEATS_CARNET,
        "seconds": seconds,
        "median_s": _median(seconds),
        "rate": n / _median(seconds),
    }


def _verify_history(history: list[Any], n: int, side: str) -> None:
    _check(len(history) == n, f"{side} (d): {len(history)} points read back, expected {n}")
    for i in (0, n // 2, n - 1):
        _check(history[i].step == i and history[i].value == i * 0.001, f"{side} (d): point {i} is wrong")


# =============================================================================================
# MLflow workers
# =============================================================================================


def mlflow_open(tmp: Path) -> tuple[Any, Any, str]:
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp / 'mlflow.db'}")
    client = mlflow.MlflowClient()
    experiment_id = client.create_experiment("bench", artifact_location=str(tmp / "mlartifacts"))
    return mlflow, client, experiment_id


def mlflow_a(tmp: Path, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes["a_mlflow"]
    mlflow, client, eid = mlflow_open(tmp)
    seconds = []
    for _ in range(REPEATS_MLFLOW):
        run = mlflow.start_run(experiment_id=eid)

        def log_all() -> None:
            log_metric = mlflow.log_metric
            for i in range(n):
                log_metric("loss", i * 0.5, step=i)
            mlflow.end_run()

        dt, _ = _timed(log_all)
        history = client.get_metric_history(run.info.run_id, "loss")
        _check(len(history) == n, f"mlflow (a): {len(history)} points stored, expected {n}")
        seconds.append(dt)
    return {"calls": n, "repeats": REPEATS_MLFLOW, "seconds": seconds, "rate": n / _median(seconds)}


def mlflow_b(tmp: Path, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes["b_mlflow"]
    from mlflow.entities import Metric

    _mlflow, client, eid = mlflow_open(tmp)
    batches = _batches(Metric, n)
    seconds = []
    for _ in range(REPEATS_MLFLOW):
        run_id = client.create_run(eid).info.run_id

        def log_all(run_id: str = run_id) -> None:
            for batch in batches:
                client.log_batch(run_id, metrics=batch)

        dt, _ = _timed(log_all)
        stored = client.get_metric_history(run_id, "m0")
        _check(len(stored) == n // B_KEYS, f"mlflow (b): {len(stored)} points of m0, expected {n // B_KEYS}")
        seconds.append(dt)
    return {
        "points": n,
        "batch": BATCH,
        "repeats": REPEATS_MLFLOW,
        "seconds": seconds,
        "rate": n / _median(seconds),
    }


def mlflow_c(tmp: Path, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes["c_runs"]
    _mlflow, client, eid = mlflow_open(tmp)
    runs = generate_runs(n)
    exp = int(eid)
    artifact = str(tmp / "mlartifacts")
    param_rows, metric_rows, tag_rows = [], [], []
    for r in runs:
        for key, value in r["p"].items():
            param_rows.append((key, value, r["id"]))
        for key, value in r["m"].items():
            metric_rows.append((key, value, r["start"], r["id"]))
        tag_rows.append(("mlflow.runName", r["name"], r["id"]))
        tag_rows.append(("team", r["team"], r["id"]))
    # What SqlAlchemyStore writes for a finished run (see mlflow/store/tracking/dbmodels/models.py).
    populate_s = _sqlite_bulk(
        tmp / "mlflow.db",
        [
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
                "INSERT INTO metrics (key, value, timestamp, step, is_nan, run_uuid) "
                "VALUES (?, ?, ?, 0, 0, ?)",
                metric_rows,
            ),
            (
                "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) "
                "VALUES (?, ?, ?, 0, 0, ?)",
                metric_rows,
            ),
        ],
    )
    del param_rows, metric_rows, tag_rows

    def search(s: Search, max_results: int = PAGE) -> list[Any]:
        return list(client.search_runs([eid], s["filter"], max_results=max_results, order_by=s["order_by"]))

    return _run_searches(
        runs,
        search,
        populate_s,
        "direct SQL INSERTs into MLflow's schema (runs, params, tags, metrics, latest_metrics)",
        queries=sizes["c_queries_mlflow"],
        check_count=bool(sizes["c_count_mlflow"]),
        all_searches=False,
    )


def mlflow_d(tmp: Path, sizes: dict[str, int]) -> dict[str, Any]:
    n = sizes["d_mlflow"]
    _mlflow, client, eid = mlflow_open(tmp)
    run_id = client.create_run(eid).info.run_id
    populate_s = _sqlite_bulk(
        tmp / "mlflow.db",
        [
            (
                "INSERT INTO metrics (key, value, timestamp, step, is_nan, run_uuid) "
                "VALUES ('loss', ?, ?, ?, 0, ?)",
                ((i * 0.001, BASE_TS + i // 100, i, run_id) for i in range(n)),
            ),
            (
                "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) "
                "VALUES ('loss', ?, ?, ?, 0, ?)",
                [((n - 1) * 0.001, BASE_TS + (n - 1) // 100, n - 1, run_id)],
            ),
        ],
    )
    seconds = []
    for _ in range(REPEATS_MLFLOW):
        dt, history = _timed(lambda: client.get_metric_history(run_id, "loss"))
        _verify_history(history, n, "mlflow")
        del history
        seconds.append(dt)
    return {
        "points": n,
        "populate": "direct SQL INSERTs into MLflow's metrics and latest_metrics tables",
        "populate_seconds": populate_s,
        "repeats": REPEATS_MLFLOW,
        "seconds": seconds,
        "median_s": _median(seconds),
        "rate": n / _median(seconds),
    }


WORKERS: dict[tuple[str, str], Callable[[Path, dict[str, int]], dict[str, Any]]] = {
    ("carnet", "a"): carnet_a,
    ("carnet", "b"): carnet_b,
    ("carnet", "c"): carnet_c,
    ("carnet", "d"): carnet_d,
    ("mlflow", "a"): mlflow_a,
    ("mlflow", "b"): mlflow_b,
    ("mlflow", "c"): mlflow_c,
    ("mlflow", "d"): mlflow_d,
}


def worker_main(side: str, case: str, mode: str, out_path: str) -> None:
    with tempfile.TemporaryDirectory(prefix=f"bench-{side}-{case}-") as tmp:
        os.chdir(tmp)  # nothing (an ./mlruns, a ./.carnet) can land in the repository
        start = time.perf_counter()
        result = WORKERS[(side, case)](Path(tmp), SIZES[mode])
        result["worker_seconds"] = time.perf_counter() - start
        Path(out_path).write_text(json.dumps(result))
        if side == "carnet":
            from carnet.store.sql.engine import dispose_engines

            dispose_engines()  # release the files before the folder is removed


# =============================================================================================
# The parent: run the workers, compare, report
# =============================================================================================


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MLFLOW_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="true",
        MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false",
        MLFLOW_ENABLE_ASYNC_LOGGING="false",  # MLflow's default: log_metric is synchronous
        MLFLOW_TRACKING_URI="sqlite:///does-not-exist-set-per-worker.db",
        GIT_PYTHON_REFRESH="quiet",
        PYTHONWARNINGS="ignore",
    )
    for name in ("CARNET_TRACKING_URI", "CARNET_ARTIFACT_ROOT", "CARNET_RUN_ID", "CARNET_EXPERIMENT_NAME"):
        env.pop(name, None)
    return env


def run_worker(side: str, case: str, mode: str, console: Any) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out_path = handle.name
    try:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", side, case, mode, out_path]
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


def machine_info() -> dict[str, Any]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=HERE.parent, capture_output=True, text=True, check=False
            )
        except OSError:
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", "src"))
    return {
        "carnet_commit": f"{commit}{' + uncommitted changes in src/' if dirty else ''}"
        if commit
        else "unknown",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "carnet": version("carnet"),
        "mlflow": version("mlflow"),
        "sqlalchemy": version("sqlalchemy"),
    }


def print_machine(console: Any, info: dict[str, Any], title: str) -> None:
    """The run's header: a warning when the installed MLflow is not the pinned one, the title and
    the machine (shared by the benchmarks in this folder)."""
    if info["mlflow"] != MLFLOW_VERSION:
        console.print(
            f"[yellow]warning: MLflow {info['mlflow']} is installed; the benchmark pins {MLFLOW_VERSION} "
            "(pip install -e '.[bench]')[/yellow]"
        )
    console.print(title, highlight=False)
    console.print(
        f"  Python {info['python']} ({info['implementation']}), {info['cpu_count']} CPUs ({info['cpu']}), "
        f"{info['platform']}\n  SQLite {info['sqlite']}, SQLAlchemy {info['sqlalchemy']}, "
        f"carnet {info['carnet']} ({info['carnet_commit']}), MLflow {info['mlflow']}",
        highlight=False,
    )


def _rate(rate: float, unit: str) -> str:
    if rate >= 1_000_000:
        return f"{rate / 1_000_000:,.2f} M {unit}"
    if rate >= 10_000:
        return f"{rate / 1000:,.0f} k {unit}"
    return f"{rate:,.0f} {unit}"


def _ms(ms: float) -> str:
    return f"{ms / 1000:,.1f} s" if ms >= 1000 else f"{ms:,.1f} ms"


def build_rows(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per comparison: the figures, the ratio (carnet speed / MLflow speed) and the verdict."""
    rows: list[dict[str, Any]] = []

    def get(case: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        pair = results.get(case, {})
        c, m = pair.get("carnet"), pair.get("mlflow")
        return (None if c is None or "error" in c else c), (None if m is None or "error" in m else m)

    def row(case: str, title: str, workload: str, carnet: str, mlflow: str, ratio: float | None,
            goal: str, ok: bool) -> None:  # fmt: skip
        rows.append({"id": case, "benchmark": title, "workload": workload, "carnet": carnet, "mlflow": mlflow,
                     "ratio": ratio, "goal": goal, "pass": ok})  # fmt: skip

    if "a" in results:
        ca, ma = get("a")
        m_rate = ma["rate"] if ma else None
        m_what = f"mlflow.log_metric(name, value, step=i) x{ma['calls']:,}" if ma else "mlflow.log_metric"
        for key, label in (
            ("run_log", "run.log(name, value)"),
            ("log_metric", "carnet.log_metric(name, value, step=i)"),
        ):
            c_rate = ca[key]["rate"] if ca else None
            ratio = c_rate / m_rate if c_rate and m_rate else None
            row(
                f"a:{key}",
                "(a) single logging calls, one run (calls/s, incl. complete / end_run)",
                f"{label} x{ca['calls']:,}" if ca else label,
                _rate(c_rate, "calls/s") if c_rate else "error",
                f"{_rate(m_rate, 'calls/s')}\n{m_what}" if m_rate else "error",
                ratio,
                ">= 100x",
                bool(ratio and ratio >= 100),
            )
    if "b" in results:
        cb, mb = get("b")
        ratio = cb["rate"] / mb["rate"] if cb and mb else None
        row(
            "b",
            f"(b) Client.log_batch, {BATCH:,} metric points per call (points/s)",
            f"{B_KEYS} metrics x {BATCH // B_KEYS} steps per batch; points: carnet "
            f"{cb['points'] if cb else 0:,}, MLflow {mb['points'] if mb else 0:,}",
            _rate(cb["rate"], "points/s") if cb else "error",
            _rate(mb["rate"], "points/s") if mb else "error",
            ratio,
            ">= 10x",
            bool(ratio and ratio >= 10),
        )
    if "c" in results:
        cc, mc = get("c")
        for search in SEARCHES:
            sid = search["id"]
            c_res = cc.get(sid) if cc else None
            m_res = mc.get(sid) if mc else None
            runs = (cc or mc or {}).get("runs", 0)
            matches = (c_res or m_res or {}).get("matches", 0)
            order = ", ".join(search["order_by"])
            c_ms = c_res["median_ms"] if c_res else None
            m_ms = m_res["median_ms"] if m_res else None
            if search["mlflow"]:
                ratio = m_ms / c_ms if c_ms and m_ms else None
                goal = ">= 10x and carnet < 100 ms"
                ok = bool(ratio and ratio >= 10 and c_ms is not None and c_ms < 100)
                m_text = _ms(m_ms) if m_ms is not None else "error"
            else:
                ratio, goal = None, "carnet < 100 ms"
                ok = c_ms is not None and c_ms < 100
                m_text = "no OR in MLflow's grammar"
            row(
                sid,
                f"({sid}) search_runs over {runs:,} runs (5 params, 5 metrics each), max_results={PAGE}",
                f"{search['filter']} ORDER BY {order} ({matches:,} matches)",
                _ms(c_ms) if c_ms is not None else "error",
                m_text,
                ratio,
                goal,
                ok,
            )
    if "d" in results:
        cd, md = get("d")
        ratio = cd["rate"] / md["rate"] if cd and md else None
        row(
            "d",
            "(d) get_metric_history(run_id, key) of one long series",
            f"points: carnet {cd['points'] if cd else 0:,}, MLflow {md['points'] if md else 0:,}",
            f"{cd['median_s']:.2f} s\n{_rate(cd['rate'], 'points/s')}" if cd else "error",
            f"{md['median_s']:.2f} s\n{_rate(md['rate'], 'points/s')}" if md else "error",
            ratio,
            ">= 5x (per-point rate)",
            bool(ratio and ratio >= 5),
        )
    return rows


def notes_for(results: dict[str, dict[str, Any]]) -> list[str]:
    """How each figure was taken, in the order of the table."""

    def ok(case: str, side: str) -> dict[str, Any] | None:
        res = results.get(case, {}).get(side)
        return res if res and "error" not in res else None

    def how_many(res: dict[str, Any]) -> str:
        return f"median of {res['repeats']} measurements" if res["repeats"] > 1 else "one measurement"

    notes = []
    for side in ("carnet", "mlflow"):
        res = ok("a", side)
        if res:
            extra = "; synchronous logging (MLflow's default)" if side == "mlflow" else ""
            calls = res["calls"]
            notes.append(f"(a) {side}: {how_many(res)}, each a new run of {calls:,} calls{extra}")
    for side in ("carnet", "mlflow"):
        res = ok("b", side)
        if res:
            notes.append(
                f"(b) {side}: {how_many(res)}, each a new run; only the log_batch calls are timed "
                "(the Metric objects are built before the clock starts)"
            )
    for side in ("carnet", "mlflow"):
        res = ok("c", side)
        if res:
            first = next((res[s["id"]] for s in SEARCHES if s["id"] in res), None)
            queries = first["queries"] if first else 0
            timing = f"median of {queries} queries after an untimed warm-up" if queries > 1 else "one query"
            checked = (
                "match count and top-100 run ids" if first and first["count_verified"] else "top-100 run ids"
            )
            notes.append(
                f"(c) {side}: {res['runs']:,} runs written by {res['populate']} "
                f"({res['populate_seconds']:.1f} s, untimed); {timing}; {checked} equal to the expected "
                "result computed from the seeded data"
            )
    for side in ("carnet", "mlflow"):
        res = ok("d", side)
        if res:
            notes.append(
                f"(d) {side}: {how_many(res)}; series written by {res['populate']} "
                f"({res['populate_seconds']:.1f} s, untimed)"
            )
    return notes


def print_report(console: Any, info: dict[str, Any], rows: list[dict[str, Any]], notes: list[str]) -> None:
    from rich.table import Table

    table = Table(
        title=f"carnet {info['carnet']} (embedded, SQLite) vs MLflow {info['mlflow']} (in-process, SQLite)",
        caption="Ratio = carnet speed / MLflow speed (>1: carnet faster)",
        show_lines=True,
    )
    table.add_column("Benchmark", ratio=3)
    table.add_column("Workload", ratio=4)
    table.add_column("carnet", justify="right", ratio=2)
    table.add_column(f"MLflow {info['mlflow']}", justify="right", ratio=3)
    table.add_column("Ratio", justify="right", ratio=1)
    table.add_column("Goal", ratio=2)
    table.add_column("Result", justify="center", ratio=1)
    for r in rows:
        ratio = f"{r['ratio']:,.1f}x" if r["ratio"] is not None else "-"
        verdict = "[bold green]PASS[/bold green]" if r["pass"] else "[bold red]MISS[/bold red]"
        table.add_row(r["benchmark"], r["workload"], r["carnet"], r["mlflow"], ratio, r["goal"], verdict)
    console.print(table)
    for note in notes:
        console.print(f"  - {note}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="everything about 10x smaller: a smoke run")
    parser.add_argument("--only", default="a,b,c,d", help="comma-separated cases to run (default: a,b,c,d)")
    parser.add_argument("--output", default=str(RESULTS), help=f"JSON results file (default: {RESULTS})")
    parser.add_argument("--worker", nargs=4, metavar=("SIDE", "CASE", "MODE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        worker_main(*args.worker)
        return 0

    from rich.console import Console

    console = Console() if sys.stdout.isatty() else Console(width=150)
    mode = "quick" if args.quick else "full"
    cases = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = sorted(set(cases) - {"a", "b", "c", "d"})
    if unknown:
        parser.error(f"--only: unknown case(s) {', '.join(unknown)}; use a, b, c, d")
    info = machine_info()
    print_machine(console, info, f"[bold]carnet vs MLflow[/bold], {mode} run")

    started = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    for case in cases:
        results[case] = {side: run_worker(side, case, mode, console) for side in ("carnet", "mlflow")}
    elapsed = time.perf_counter() - started

    rows = build_rows(results)
    notes = notes_for(results)
    print_report(console, info, rows, notes)
    passed = sum(1 for r in rows if r["pass"])
    console.print(f"\n{passed}/{len(rows)} goals met; the benchmark took {elapsed:.0f} s.", highlight=False)

    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "mode": mode,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": info,
        "sizes": SIZES[mode],
        "elapsed_seconds": elapsed,
        "rows": rows,
        "notes": notes,
        "results": results,
    }
    output.write_text(json.dumps(report, indent=2) + "\n")
    console.print(f"results written to {output}", highlight=False)
    failed = [
        f"({case}) {side}" for case, pair in results.items() for side, res in pair.items() if "error" in res
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
