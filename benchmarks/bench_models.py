"""Loading a registered scikit-learn model and scoring one row: carnet against MLflow 3.17.2.

Usage::

    python benchmarks/bench_models.py            # the full benchmark (about a minute)
    python benchmarks/bench_models.py --quick    # fewer repetitions: a smoke run

Each side runs in its own subprocess and its own temporary folder (a SQLite tracking store and a
local artifact folder): it trains the same model on the same data (a logistic regression on
scikit-learn's bundled breast-cancer set, inside a ``StandardScaler`` pipeline), logs it with its
own ``sklearn.log_model(..., registered_model_name=...)``, then measures, after imports:

* load: ``carnet.pyfunc.load_model("models:/<name>/1")`` against
  ``mlflow.pyfunc.load_model("models:/<name>/1")`` -- median of N loads, each resolving the
  registry and reading the model folder again;
* predict: ``model.predict(one_row_dataframe)`` on the loaded model -- median of N calls, each
  checking the input against the model's signature.

MLflow's sklearn flavor pickles by default and refuses to load a pickle unless
``MLFLOW_ALLOW_PICKLE_DESERIALIZATION=true``; carnet's default is skops (no pickle). Each tool
runs with its defaults, plus that variable for MLflow so it can load at all. Results are printed
as a table and written to ``benchmarks/results/models.json``.
"""

from __future__ import annotations

import argparse
import json
import os
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
RESULTS = HERE / "results" / "models.json"
MODEL_NAME = "bench-clf"
REPEATS = {"full": {"loads": 30, "predicts": 2000}, "quick": {"loads": 5, "predicts": 200}}


def _training_data() -> tuple[Any, Any]:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    return data.data, data.target


def _model(X: Any, y: Any) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)


def _median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def _measure(load: Any, uri: str, row: Any, expected: Any, repeats: dict[str, int]) -> dict[str, Any]:
    load_times = []
    model = None
    for _ in range(repeats["loads"]):
        start = time.perf_counter()
        model = load(uri)
        load_times.append(time.perf_counter() - start)
    assert model is not None
    got = model.predict(row)
    if list(got) != list(expected):
        raise AssertionError(f"the loaded model predicts {list(got)}, the trained one {list(expected)}")
    model.predict(row)  # warm-up
    predict_times = []
    for _ in range(repeats["predicts"]):
        start = time.perf_counter()
        model.predict(row)
        predict_times.append(time.perf_counter() - start)
    return {
        "loads": len(load_times),
        "load_median_ms": _median_ms(load_times),
        "predicts": len(predict_times),
        "predict_median_ms": _median_ms(predict_times),
        "predict_p99_ms": sorted(predict_times)[int(len(predict_times) * 0.99) - 1] * 1000,
    }


def worker_carnet(tmp: Path, repeats: dict[str, int]) -> dict[str, Any]:
    import carnet
    import carnet.pyfunc
    import carnet.sklearn

    carnet.set_tracking_uri(f"sqlite:///{tmp / 'carnet.db'}")
    os.environ["CARNET_ARTIFACT_ROOT"] = str(tmp / "artifacts")
    X, y = _training_data()
    clf = _model(X, y)
    with carnet.start_run():
        info = carnet.sklearn.log_model(
            clf, "model", input_example=X.head(3), registered_model_name=MODEL_NAME
        )
    assert info.registered_model_version == 1, info
    row = X.head(1)
    return _measure(carnet.pyfunc.load_model, f"models:/{MODEL_NAME}/1", row, clf.predict(row), repeats)


def worker_mlflow(tmp: Path, repeats: dict[str, int]) -> dict[str, Any]:
    import mlflow
    import mlflow.pyfunc
    import mlflow.sklearn

    mlflow.set_tracking_uri(f"sqlite:///{tmp / 'mlflow.db'}")
    mlflow.set_experiment("bench-models")
    X, y = _training_data()
    clf = _model(X, y)
    with mlflow.start_run():
        mlflow.sklearn.log_model(clf, name="model", input_example=X.head(3), registered_model_name=MODEL_NAME)
    row = X.head(1)
    return _measure(mlflow.pyfunc.load_model, f"models:/{MODEL_NAME}/1", row, clf.predict(row), repeats)


def _worker(side: str, mode: str, out: str) -> None:
    with tempfile.TemporaryDirectory(prefix=f"bench-models-{side}-") as tmp:
        os.chdir(tmp)
        work = worker_carnet if side == "carnet" else worker_mlflow
        Path(out).write_text(json.dumps(work(Path(tmp), REPEATS[mode])))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MLFLOW_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="true",
        MLFLOW_ALLOW_PICKLE_DESERIALIZATION="true",
        GIT_PYTHON_REFRESH="quiet",
        PYTHONWARNINGS="ignore",
    )
    for name in ("CARNET_TRACKING_URI", "CARNET_ARTIFACT_ROOT", "MLFLOW_TRACKING_URI", "CARNET_MODE"):
        env.pop(name, None)
    return env


def _run_side(side: str, mode: str, console: Any) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    try:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", side, mode, out]
        with console.status(f"{side} ..."):
            proc = subprocess.run(cmd, env=_env(), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            console.print(f"[red]{side} failed (exit {proc.returncode}):[/red]")
            console.print(proc.stderr[-4000:] or proc.stdout[-4000:], markup=False, highlight=False)
            return {"error": (proc.stderr or proc.stdout)[-2000:]}
        result: dict[str, Any] = json.loads(Path(out).read_text())
        return result
    finally:
        Path(out).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions: a smoke run")
    parser.add_argument("--output", default=str(RESULTS), help=f"JSON results file (default: {RESULTS})")
    parser.add_argument("--worker", nargs=3, metavar=("SIDE", "MODE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(*args.worker)
        return 0

    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=140)
    mode = "quick" if args.quick else "full"
    info = machine_info()
    print_machine(console, info, f"[bold]a registered model: carnet vs MLflow[/bold], {mode} run")
    results = {side: _run_side(side, mode, console) for side in ("carnet", "mlflow")}
    c, m = results["carnet"], results["mlflow"]
    table = Table(title=f"registered scikit-learn model: carnet vs MLflow {info['mlflow']} ({mode} run)")
    for column in ("Benchmark", "carnet", "MLflow", "Ratio (MLflow / carnet)"):
        table.add_column(column, justify="left" if column == "Benchmark" else "right")
    rows = []
    for key, title in (
        ("load_median_ms", "pyfunc.load_model('models:/name/1'), median ms"),
        ("predict_median_ms", "predict(one row DataFrame), median ms"),
        ("predict_p99_ms", "predict(one row DataFrame), p99 ms"),
    ):
        ok = "error" not in c and "error" not in m
        ratio = m[key] / c[key] if ok and c[key] else None
        rows.append({"benchmark": title, "carnet_ms": c.get(key), "mlflow_ms": m.get(key), "ratio": ratio})
        table.add_row(
            title,
            f"{c[key]:.2f}" if key in c else "error",
            f"{m[key]:.2f}" if key in m else "error",
            f"{ratio:.1f}x" if ratio else "-",
        )
    console.print(table)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"mode": mode, "machine": info, "rows": rows, "results": results}, indent=2))
    console.print(f"results written to {output}", highlight=False)
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
