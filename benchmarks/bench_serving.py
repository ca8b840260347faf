"""Online and batch scoring: ``carnet serve`` against ``mlflow models serve`` 3.17.2, and
``carnet predict`` against the same job written with MLflow's pyfunc.

Usage::

    python benchmarks/bench_serving.py            # the full benchmark (about three minutes)
    python benchmarks/bench_serving.py --quick    # shorter runs and 100,000 batch rows: a smoke run

One model for both sides: a scikit-learn RandomForest (100 trees) on the bundled breast-cancer set,
saved once as a model folder (pickle format, so both tools load the very same file; each is told
the pickle is trusted). For each server, in turn, on a free loopback port:

* start-up: from launching the command until ``/ping`` answers, and the resident memory of its
  process tree then (``mlflow models serve --env-manager local``, ``carnet serve``);
* single rows: 8 concurrent clients, each sending one-row ``dataframe_split`` requests back to
  back for 20 s (5 s with ``--quick``) over keep-alive connections (a separate asyncio process
  writes raw HTTP/1.1, so the load generator costs little); requests/s, p50 and p99 latency;
* batches: 1000-row ``dataframe_split`` requests one after another; median latency and rows/s.

Batch scoring: ``carnet predict MODEL -i rows.parquet -o out.parquet`` on 1,000,000 rows against
a script doing the same with MLflow (``pyarrow`` batches of 100,000 rows, ``mlflow.pyfunc``
predict, a ``ParquetWriter``); both run as fresh processes and are timed end to end.

Results are printed as a table with the ratios and written to ``benchmarks/results/serving.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracking import machine_info, print_machine

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "serving.json"
MODES = {
    "full": {"seconds": 20.0, "batches": 50, "predict_rows": 1_000_000},
    "quick": {"seconds": 5.0, "batches": 15, "predict_rows": 100_000},
}
CLIENTS = 8
CHUNK = 100_000


# -- the model and its data ------------------------------------------------------------------------


def _data() -> Any:
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X, y


def make_model(folder: Path) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    import carnet.sklearn

    X, y = _data()
    model = RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y)
    carnet.sklearn.save_model(model, folder, serialization_format="pickle", input_example=X.head(2))
    return X


def make_rows(path: Path, rows: int) -> None:
    import numpy as np

    X, _ = _data()
    rng = np.random.default_rng(0)
    sample = X.sample(rows, replace=True, random_state=0).reset_index(drop=True)
    noisy = sample * rng.normal(1.0, 0.01, sample.shape)
    noisy.to_parquet(path, index=False)


# -- servers -----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MB."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (OSError, ValueError):
            continue
    return total / 1024


def _ping(port: int) -> bool:
    import http.client

    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/ping")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def start_server(side: str, model: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int, float]:
    port = _free_port()
    if side == "carnet":
        cmd = [sys.executable, "-m", "carnet", "serve", str(model), "--port", str(port), "--allow-pickle"]
    else:
        mlflow = str(Path(sys.executable).with_name("mlflow"))
        cmd = [mlflow, "models", "serve", "-m", str(model), "--env-manager", "local", "-p", str(port)]
        cmd += ["--host", "127.0.0.1"]
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    while not _ping(port):
        if proc.poll() is not None:
            raise RuntimeError(f"{side} server exited with {proc.returncode}")
        if time.perf_counter() - started > 120:
            raise RuntimeError(f"{side} server did not answer /ping within 120 s")
        time.sleep(0.02)
    return proc, port, time.perf_counter() - started


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


# -- load generation (runs in its own process) -------------------------------------------------------


def _request(port: int, body: bytes) -> bytes:
    head = (
        f"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    writer.write(request)
    status_line = await reader.readline()
    length = 0
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(length)
    return int(status_line.split()[1])


async def _clients(port: int, bodies: list[bytes], seconds: float, clients: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def client(index: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = index
        while time.perf_counter() < stop_at:
            request = _request(port, bodies[i % len(bodies)])
            i += clients
            t0 = time.perf_counter()
            status = await _one(reader, writer, request)
            latencies.append(time.perf_counter() - t0)
            errors += status != 200
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def load_worker(port: int, mode: str, out: str) -> None:
    X, _ = _data()
    rows = [
        json.dumps({"dataframe_split": {"columns": list(X.columns), "data": [X.iloc[i].tolist()]}}).encode()
        for i in range(len(X))
    ]
    single = asyncio.run(_clients(port, rows, MODES[mode]["seconds"], CLIENTS))
    big = X.sample(1000, replace=True, random_state=1)
    batch_body = json.dumps(
        {"dataframe_split": {"columns": list(big.columns), "data": big.values.tolist()}}
    ).encode()

    async def batches() -> list[float]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        request = _request(port, batch_body)
        await _one(reader, writer, request)  # warm
        times = []
        for _ in range(int(MODES[mode]["batches"])):
            t0 = time.perf_counter()
            status = await _one(reader, writer, request)
            times.append(time.perf_counter() - t0)
            assert status == 200, status
        writer.close()
        return times

    times = asyncio.run(batches())
    batch_ms = statistics.median(times) * 1000
    Path(out).write_text(
        json.dumps(
            {"single": single, "batch_median_ms": batch_ms, "batch_rows_per_s": 1000 / (batch_ms / 1000)}
        )
    )


def run_load(port: int, mode: str, env: dict[str, str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    try:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--load", str(port), mode, out]
        subprocess.run(cmd, env=env, check=True)
        result: dict[str, Any] = json.loads(Path(out).read_text())
        return result
    finally:
        Path(out).unlink(missing_ok=True)


# -- batch scoring -------------------------------------------------------------------------------------

MLFLOW_BATCH = """
import sys, mlflow.pyfunc, pyarrow as pa, pyarrow.parquet as pq
model = mlflow.pyfunc.load_model(sys.argv[1])
writer = None
for batch in pq.ParquetFile(sys.argv[2]).iter_batches(batch_size=int(sys.argv[4])):
    frame = batch.to_pandas()
    frame["prediction"] = model.predict(frame)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    writer = writer or pq.ParquetWriter(sys.argv[3], table.schema)
    writer.write_table(table)
writer.close()
"""


def run_batch(side: str, model: Path, rows: Path, out: Path, env: dict[str, str]) -> float:
    if side == "carnet":
        cmd = [sys.executable, "-m", "carnet", "predict", str(model), "-i", str(rows), "-o", str(out)]
        cmd += ["--chunk-size", str(CHUNK), "--allow-pickle"]
    else:
        cmd = [sys.executable, "-c", MLFLOW_BATCH, str(model), str(rows), str(out), str(CHUNK)]
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


# -- the run ---------------------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MLFLOW_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="true",
        MLFLOW_ALLOW_PICKLE_DESERIALIZATION="true",
        CARNET_ALLOW_PICKLE="1",
        GIT_PYTHON_REFRESH="quiet",
        PYTHONWARNINGS="ignore",
    )
    # mlflow models serve runs `uvicorn` from PATH: the one of this environment.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for name in ("CARNET_TRACKING_URI", "CARNET_ARTIFACT_ROOT", "MLFLOW_TRACKING_URI", "CARNET_MODE"):
        env.pop(name, None)
    return env


def measure(mode: str, console: Any) -> dict[str, Any]:
    env = _env()
    results: dict[str, Any] = {"carnet": {}, "mlflow": {}}
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as tmp:
        folder = Path(tmp) / "model"
        with console.status("training the model"):
            make_model(folder)
        for side in ("mlflow", "carnet"):
            with console.status(f"{side}: starting the server"):
                proc, port, seconds = start_server(side, folder, env)
            try:
                results[side]["startup_s"] = seconds
                results[side]["memory_mb"] = _tree_rss_mb(proc.pid)
                with console.status(f"{side}: {CLIENTS} clients, then 1000-row batches"):
                    results[side].update(run_load(port, mode, env))
            finally:
                stop_server(proc)
        rows = Path(tmp) / "rows.parquet"
        count = int(MODES[mode]["predict_rows"])
        with console.status(f"writing {count:,} rows"):
            make_rows(rows, count)
        for side in ("mlflow", "carnet"):
            with console.status(f"{side}: batch scoring {count:,} rows"):
                seconds = run_batch(side, folder, rows, Path(tmp) / f"{side}.parquet", env)
            results[side]["predict_s"] = seconds
            results[side]["predict_rows_per_s"] = count / seconds
        shutil.rmtree(folder, ignore_errors=True)
    results["predict_rows"] = count
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs: a smoke run")
    parser.add_argument("--output", default=str(RESULTS), help=f"JSON results file (default: {RESULTS})")
    parser.add_argument("--load", nargs=3, metavar=("PORT", "MODE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load:
        load_worker(int(args.load[0]), args.load[1], args.load[2])
        return 0

    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=140)
    mode = "quick" if args.quick else "full"
    info = machine_info()
    print_machine(console, info, f"[bold]scoring: carnet serve / predict vs MLflow[/bold], {mode} run")
    results = measure(mode, console)
    c, m = results["carnet"], results["mlflow"]
    table = Table(
        title=f"RandomForest (100 trees, breast_cancer): carnet vs MLflow {info['mlflow']} ({mode} run)"
    )
    for column in ("Benchmark", "carnet", "MLflow", "carnet's advantage"):
        table.add_column(column, justify="left" if column == "Benchmark" else "right")
    single_c, single_m = c["single"], m["single"]
    lines = [
        (f"single rows, {CLIENTS} clients: requests/s", single_c["rps"], single_m["rps"], True, "{:,.0f}"),
        ("single rows: p50 latency, ms", single_c["p50_ms"], single_m["p50_ms"], False, "{:.1f}"),
        ("single rows: p99 latency, ms", single_c["p99_ms"], single_m["p99_ms"], False, "{:.1f}"),
        ("1000-row batch: median latency, ms", c["batch_median_ms"], m["batch_median_ms"], False, "{:.1f}"),
        ("1000-row batch: rows/s", c["batch_rows_per_s"], m["batch_rows_per_s"], True, "{:,.0f}"),
        ("start-up until /ping answers, s", c["startup_s"], m["startup_s"], False, "{:.2f}"),
        ("memory when ready (process tree), MB", c["memory_mb"], m["memory_mb"], False, "{:,.0f}"),
        (f"batch scoring {results['predict_rows']:,} rows: rows/s", c["predict_rows_per_s"],
         m["predict_rows_per_s"], True, "{:,.0f}"),
    ]  # fmt: skip
    rows = []
    for title, cv, mv, higher_better, fmt in lines:
        ratio = (cv / mv if higher_better else mv / cv) if cv and mv else None
        rows.append({"benchmark": title, "carnet": cv, "mlflow": mv, "ratio": ratio})
        table.add_row(title, fmt.format(cv), fmt.format(mv), f"{ratio:.1f}x" if ratio else "-")
    console.print(table)
    errors = single_c["errors"] + single_m["errors"]
    if errors:
        console.print(f"[yellow]{errors} single-row request(s) did not answer 200[/yellow]")
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"mode": mode, "machine": info, "rows": rows, "results": results}, indent=2))
    console.print(f"results written to {output}", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
