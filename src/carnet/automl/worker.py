"""Trials run in worker processes, so a trial past the time budget can be cut off (killed).

Each worker is a fresh interpreter (``python -m carnet.automl.worker``): it never imports the
user's script, holds no thread or lock of the parent, and can be killed at any moment. The parent
reads the data once (:class:`Context`, pickled to a file by the parent, so starting a worker never
waits for it), then gets one :class:`TrialSpec` at a time; it answers with a :class:`TrialOutcome`.
Messages are length-prefixed pickles over the worker's stdin and stdout.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import struct
import subprocess
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pandas as pd

_HEADER = struct.Struct("!Q")


@dataclass
class Context:
    """What every trial of one search needs: the data, how to split it, what to score."""

    task: str
    metric: str
    X: pd.DataFrame
    y: np.ndarray
    splits: list[tuple[np.ndarray, np.ndarray]]
    seed: int
    kinds: dict[str, str] = field(default_factory=dict)
    classes: np.ndarray | None = None
    horizon: int | None = None
    season_length: int = 1
    times: Any = None
    freq: str | None = None


@dataclass
class TrialSpec:
    number: int
    framework: str
    params: dict[str, Any]
    # Stop after the first fold when its loss is above this (a hopeless trial).
    prune_above: float | None = None


@dataclass
class TrialOutcome:
    number: int
    framework: str
    params: dict[str, Any]
    status: str  # completed, failed, pruned, timeout
    loss: float | None = None
    scores: dict[str, float] = field(default_factory=dict)
    first_fold_loss: float | None = None
    oof: np.ndarray | None = None
    model: Any = None
    fit_time_s: float = 0.0
    error: str | None = None


def evaluate(context: Context, spec: TrialSpec) -> TrialOutcome:
    """Train and score one configuration on every split; never raises (a crash is an outcome)."""
    started = time.perf_counter()
    try:
        if context.task == "forecasting":
            from carnet.automl.forecasting import evaluate_forecaster

            outcome = evaluate_forecaster(context, spec)
        else:
            outcome = _evaluate_tabular(context, spec)
    except Exception as e:
        detail = "".join(traceback.format_exception_only(type(e), e)).strip()
        outcome = TrialOutcome(spec.number, spec.framework, spec.params, "failed", error=detail[-2000:])
    outcome.fit_time_s = time.perf_counter() - started
    return outcome


def _evaluate_tabular(context: Context, spec: TrialSpec) -> TrialOutcome:
    from carnet.automl.metrics import CLASSIFICATION, all_scores, metric_spec
    from carnet.automl.model import BaggedModel, TabularModel

    metric = metric_spec(context.task, context.metric)
    n = len(context.y)
    n_classes = len(context.classes) if context.classes is not None else 0
    oof = np.full((n, n_classes), np.nan) if context.task == CLASSIFICATION else np.full(n, np.nan)
    extra = {"classes": np.arange(n_classes)} if context.task == CLASSIFICATION else {}
    models: list[TabularModel] = []
    first_fold_loss = None
    for fold, (train, valid) in enumerate(context.splits):
        model = TabularModel(
            spec.framework, spec.params, context.task, context.kinds, context.classes, context.seed + fold
        )
        model.fit(context.X.iloc[train], context.y[train])
        predicted = model.predict_raw(context.X.iloc[valid])
        if not np.all(np.isfinite(predicted)):
            raise ValueError("the model predicted non-finite values (it diverged)")
        oof[valid] = predicted
        models.append(model)
        if fold == 0:
            first_fold_loss = metric.loss(metric.score(context.y[valid], predicted, **extra))
            if (
                spec.prune_above is not None
                and first_fold_loss > spec.prune_above
                and len(context.splits) > 1
            ):
                return TrialOutcome(
                    spec.number, spec.framework, spec.params, "pruned", first_fold_loss=first_fold_loss
                )
    covered = ~np.isnan(oof if oof.ndim == 1 else oof[:, 0])
    scores = all_scores(context.task, context.y[covered], oof[covered], **extra)
    if context.metric not in scores:
        raise ValueError(f"the metric {context.metric} could not be computed on the validation rows")
    return TrialOutcome(
        spec.number,
        spec.framework,
        spec.params,
        "completed",
        loss=metric.loss(scores[context.metric]),
        scores=scores,
        first_fold_loss=first_fold_loss,
        oof=oof,
        model=BaggedModel(models),
    )


# -- the worker process -----------------------------------------------------------------------


def _write(stream: IO[bytes], message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the other side closed the pipe")
    (size,) = _HEADER.unpack(header)
    return pickle.loads(stream.read(size))


def main() -> None:
    """The worker's loop: read the context, then evaluate trials until told to stop."""
    warnings.simplefilter("ignore")  # libraries' warnings are noise here; failures are outcomes
    # The protocol owns the original stdout; whatever libraries print goes to stderr.
    protocol = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    with open(sys.argv[1], "rb") as f:
        context: Context = pickle.load(f)
    while True:
        try:
            spec = _read(requests)
        except EOFError:
            return
        if spec is None:
            return
        _write(protocol, evaluate(context, spec))


class Worker:
    """One worker process, started with the search's context."""

    def __init__(self, context_path: str) -> None:
        env = dict(os.environ)
        # One thread per worker: parallelism comes from running n_jobs workers.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = "1"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "carnet.automl.worker", context_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin = self.process.stdin
        self.stdout = self.process.stdout
        self.spec: TrialSpec | None = None
        self.started_at = 0.0

    def submit(self, spec: TrialSpec) -> None:
        self.spec = spec
        self.started_at = time.monotonic()
        _write(self.stdin, spec)

    def receive(self) -> TrialOutcome:
        outcome: TrialOutcome = _read(self.stdout)
        self.spec = None
        return outcome

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                stream.close()

    def stop(self) -> None:
        # End of input ends the worker's loop; one still starting up is not waited for.
        with contextlib.suppress(OSError):
            self.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=0.5)
        self.kill()


def write_context(context: Context, path: str) -> None:
    with open(path, "wb") as f:
        pickle.dump(context, f, protocol=pickle.HIGHEST_PROTOCOL)


def wait_any(workers: list[Worker], timeout: float) -> list[Worker]:
    """The busy workers with an answer ready (or whose process ended), waiting up to ``timeout``."""
    busy = {w.stdout.fileno(): w for w in workers if w.spec is not None}
    if not busy:
        return []
    ready, _, _ = select.select(list(busy), [], [], max(0.0, timeout))
    return [busy[fd] for fd in ready]


if __name__ == "__main__":
    # Run the imported module's main, so pickled classes are carnet.automl.worker's, not __main__'s.
    from carnet.automl import worker

    worker.main()
