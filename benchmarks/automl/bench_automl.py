"""carnet's AutoML against FLAML under the same time budget, on the same cores and data.

Usage::

    python benchmarks/automl/bench_automl.py                  # 60 s per system and dataset
    python benchmarks/automl/bench_automl.py --budget 300     # the long budget
    python benchmarks/automl/bench_automl.py --quick          # 10 s on three datasets: a smoke run
    python benchmarks/automl/bench_automl.py --only digits,co2

Needs the ``bench`` extra (``flaml[automl]``) and, for the ISLP tables, ``pip install --no-deps
ISLP``. Each system runs in its own subprocess with one core's worth of parallelism
(``n_jobs=1``), the same seed, the same metric and the same training split; the held-out test split
(25% of a table, the last horizon of a series) is scored afterwards, here. A default LightGBM
(seasonal-naive for series) is the floor neither should fall below. The table shows each score,
carnet's ratio to FLAML (above 1: carnet is better, whatever the metric's direction), the
wall time of each search (its overrun of the budget) and win / tie / loss; a tie is a difference
within 0.5% of FLAML's score. Results also go to ``benchmarks/results/automl.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import datasets as suite  # noqa: E402

RESULTS = HERE.parent / "results" / "automl.json"
TIE_TOLERANCE = 0.005
SYSTEMS = ("carnet", "flaml", "baseline")


# -- the children: one system on one dataset -------------------------------------------------


def _carnet(dataset: suite.Dataset, train: Any, test: Any, budget: float) -> tuple[Any, float]:
    import carnet.automl

    started = time.perf_counter()
    result = carnet.automl.run(
        train,
        dataset.task,
        dataset.target,
        metric=dataset.metric,
        timeout=budget,
        n_jobs=1,
        seed=0,
        time_column=dataset.time_column,
        horizon=dataset.horizon,
    )
    wall = time.perf_counter() - started
    if dataset.task == "forecasting":
        return result.best_model.predict(dataset.horizon)["forecast"].to_numpy(), wall
    X = test.drop(columns=[dataset.target])
    if dataset.task == "classification":
        return result.best_model.predict_proba(X), wall
    return result.best_model.predict(X), wall


def _flaml(dataset: suite.Dataset, train: Any, test: Any, budget: float) -> tuple[Any, float]:
    from flaml import AutoML

    automl = AutoML()
    metric = {"mase": "mae"}.get(dataset.metric, dataset.metric)  # MASE is MAE over a fixed scale
    started = time.perf_counter()
    if dataset.task == "forecasting":
        automl.fit(
            dataframe=train[[dataset.time_column, dataset.target]],
            label=dataset.target,
            task="ts_forecast",
            period=dataset.horizon,
            metric=metric,
            time_budget=budget,
            n_jobs=1,
            seed=0,
            verbose=0,
        )
        wall = time.perf_counter() - started
        return automl.predict(test[[dataset.time_column]]), wall
    X, y = train.drop(columns=[dataset.target]), train[dataset.target]
    automl.fit(X, y, task=dataset.task, metric=metric, time_budget=budget, n_jobs=1, seed=0, verbose=0)
    wall = time.perf_counter() - started
    X_test = test.drop(columns=[dataset.target])
    if dataset.task == "classification":
        return automl.predict_proba(X_test), wall
    return automl.predict(X_test), wall


def _baseline(dataset: suite.Dataset, train: Any, test: Any, budget: float) -> tuple[Any, float]:
    import numpy as np

    started = time.perf_counter()
    if dataset.task == "forecasting":
        m = suite.season_length(dataset)
        last = train[dataset.target].to_numpy(float)[-m:]
        return np.resize(last, len(test)), time.perf_counter() - started
    import lightgbm
    import pandas as pd

    def frame(data: Any) -> Any:
        X = data.drop(columns=[dataset.target]).copy()
        for column in X.columns:
            if not pd.api.types.is_numeric_dtype(X[column]) and not pd.api.types.is_bool_dtype(X[column]):
                X[column] = X[column].astype("category")
        return X

    X, X_test = frame(train), frame(test)
    for column in X.columns:
        if str(X[column].dtype) == "category":
            X_test[column] = X_test[column].cat.set_categories(X[column].cat.categories)
    if dataset.task == "classification":
        model = lightgbm.LGBMClassifier(verbose=-1, n_jobs=1, random_state=0).fit(X, train[dataset.target])
        return model.predict_proba(X_test), time.perf_counter() - started
    model = lightgbm.LGBMRegressor(verbose=-1, n_jobs=1, random_state=0).fit(X, train[dataset.target])
    return model.predict(X_test), time.perf_counter() - started


def child(system: str, name: str, budget: float) -> None:
    import warnings

    warnings.simplefilter("ignore")
    dataset = next(d for d in suite.SUITE if d.name == name)
    train, test = suite.split(dataset)
    run = {"carnet": _carnet, "flaml": _flaml, "baseline": _baseline}[system]
    prediction, wall = run(dataset, train, test, budget)
    print(json.dumps({"score": suite.score(dataset, train, test, prediction), "wall_s": wall}))


# -- the parent ------------------------------------------------------------------------------


def measure(system: str, dataset: suite.Dataset, budget: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="carnet-bench-automl-") as tmp:
        env = dict(os.environ, CARNET_TRACKING_URI=str(Path(tmp) / ".carnet"), PYTHONWARNINGS="ignore")
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--child", system, dataset.name, str(budget)],
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                timeout=3 * budget + 300,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"killed after {3 * budget + 300:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": tail[0][:200]}
    return dict(json.loads(lines[-1]))


def _better(metric: str, a: float, b: float) -> float:
    """How much better ``a`` is than ``b`` as a ratio above 1 (whatever the metric's direction)."""
    if suite.GREATER_IS_BETTER[metric]:
        return a / b if b else float("inf")
    return b / a if a else float("inf")


def outcome(metric: str, ours: dict[str, Any], theirs: dict[str, Any]) -> str:
    if "error" in ours:
        return "loss"
    if "error" in theirs:
        return "win"
    a, b = ours["score"], theirs["score"]
    if abs(a - b) <= TIE_TOLERANCE * max(abs(b), 1e-9):
        return "tie"
    better = a > b if suite.GREATER_IS_BETTER[metric] else a < b
    return "win" if better else "loss"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per system and dataset")
    parser.add_argument("--quick", action="store_true", help="10 s on three datasets")
    parser.add_argument("--only", help="comma-separated dataset names")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", nargs=3, metavar=("SYSTEM", "DATASET", "BUDGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], float(args.child[2]))
        return

    from importlib import metadata

    from rich.console import Console
    from rich.table import Table

    budget = 10.0 if args.quick else args.budget
    names = tuple(args.only.split(",")) if args.only else (suite.QUICK if args.quick else None)
    chosen = suite.available(names)
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=170)
    console.print(
        f"AutoML: carnet {metadata.version('carnet')} against FLAML {metadata.version('flaml')}, "
        f"{budget:g} s per search, n_jobs=1, {os.cpu_count()} CPUs on this machine"
    )
    rows = []
    for dataset in chosen:
        found = {}
        for system in SYSTEMS:
            console.print(f"  {dataset.name}: {system} ...", end="")
            started = time.perf_counter()
            found[system] = measure(system, dataset, budget)
            value = found[system].get("score", found[system].get("error"))
            console.print(f" {value} ({time.perf_counter() - started:.0f} s)")
        rows.append({"dataset": dataset.name, "task": dataset.task, "metric": dataset.metric, **found})

    table = Table(title=f"carnet against FLAML, {budget:g} s budget (test split)", title_justify="left")
    for header in ("dataset", "metric", "carnet", "FLAML", "default LightGBM / naive", "carnet/FLAML",
                   "carnet wall s", "FLAML wall s", "result", "carnet ≥ floor"):  # fmt: skip
        table.add_column(header, justify="left" if header in ("dataset", "metric", "result") else "right")
    counts = {"win": 0, "tie": 0, "loss": 0}
    floor_ok = 0
    for row in rows:
        ours, theirs, floor = row["carnet"], row["flaml"], row["baseline"]
        result = outcome(row["metric"], ours, theirs)
        counts[result] += 1
        above_floor = (
            "error" not in ours
            and "error" not in floor
            and (outcome(row["metric"], ours, floor) in ("win", "tie"))
        )
        floor_ok += above_floor
        row["result"], row["above_floor"] = result, above_floor

        def shown(found: dict[str, Any]) -> str:
            return f"{found['score']:.4f}" if "score" in found else "error"

        ratio = (
            f"{_better(row['metric'], ours['score'], theirs['score']):.3f}"
            if "score" in ours and "score" in theirs
            else "-"
        )
        table.add_row(
            row["dataset"],
            row["metric"],
            shown(ours),
            shown(theirs),
            shown(floor),
            ratio,
            f"{ours.get('wall_s', float('nan')):.1f}",
            f"{theirs.get('wall_s', float('nan')):.1f}",
            result,
            "yes" if above_floor else "NO",
        )
    console.print(table)
    total = len(rows)
    share = (counts["win"] + counts["tie"]) / total if total else 0.0
    console.print(
        f"win / tie / loss: {counts['win']} / {counts['tie']} / {counts['loss']}  "
        f"(wins or ties: {share:.0%}; goal ≥ 75%: {'PASS' if share >= 0.75 else 'MISS'})"
    )
    console.print(f"at or above the default LightGBM / seasonal-naive floor: {floor_ok} of {total}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"budget_s": budget, "rows": rows, "counts": counts}, indent=2))


if __name__ == "__main__":
    main()
