"""The search: Optuna's TPE sampler (seeded) proposes configurations, workers train them.

* Every framework's cheap start configuration is tried first (``enqueue_trial``, cheapest first).
* Trials run in ``n_jobs`` worker processes; a trial still running at the deadline is killed and
  recorded as ``timeout``, so the search ends on time whatever a library does.
* A trial whose first fold scores worse than three quarters of the finished ones is pruned.
* A trial that crashes is recorded as ``failed`` and the search goes on.

With ``n_jobs=1`` and the same seed, the same trials come out in the same order (the sampler sees
results in the order they were proposed).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from carnet.automl.spaces import COST_ORDER, START, space, suggest
from carnet.automl.worker import Context, TrialOutcome, TrialSpec, Worker, wait_any, write_context

# Prune a trial whose first-fold loss is above this quantile of finished trials' first-fold losses.
PRUNE_QUANTILE = 0.75
PRUNE_AFTER = 6  # finished trials needed before pruning starts
# Give up proposing when the sampler keeps repeating configurations already tried.
MAX_REPEATS = 200


def _key(framework: str, params: dict[str, Any]) -> str:
    return json.dumps([framework, params], sort_keys=True, default=str)


class Search:
    """One search over ``frameworks``; call :meth:`run` once."""

    def __init__(
        self,
        context: Context,
        frameworks: list[str],
        *,
        seed: int,
        n_jobs: int,
        max_trials: int | None,
        on_outcome: Callable[[TrialOutcome], None] | None = None,
        on_start: Callable[[TrialSpec], None] | None = None,
    ) -> None:
        self.context = context
        self.frameworks = sorted(frameworks, key=lambda f: COST_ORDER.index(f) if f in COST_ORDER else 99)
        self.seed = seed
        self.n_jobs = n_jobs
        self.max_trials = max_trials
        self.on_outcome = on_outcome
        self.on_start = on_start
        self.outcomes: list[TrialOutcome] = []

    def _study(self) -> Any:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        sampler = optuna.samplers.TPESampler(seed=self.seed, n_startup_trials=max(10, len(self.frameworks)))
        study = optuna.create_study(direction="minimize", sampler=sampler)
        for framework in self.frameworks:
            task_space = space(framework, self.context.task)
            start = {f"{framework}.{k}": v for k, v in START[framework].items() if k in task_space}
            study.enqueue_trial({"framework": framework, **start})
        return study

    def _prune_above(self) -> float | None:
        losses = [
            o.first_fold_loss
            for o in self.outcomes
            if o.status == "completed" and o.first_fold_loss is not None
        ]
        if len(losses) < PRUNE_AFTER:
            return None
        return float(np.quantile(losses, PRUNE_QUANTILE))

    def run(self, deadline: float) -> list[TrialOutcome]:
        """Search until ``deadline`` (``time.monotonic()``) or ``max_trials``; return every outcome."""
        from optuna.trial import TrialState

        study = self._study()
        seen: set[str] = set()
        asked = 0
        repeats = 0
        exhausted = False
        folder = tempfile.TemporaryDirectory(prefix="carnet-automl-")
        message = os.path.join(folder.name, "context.pickle")
        write_context(self.context, message)
        workers = [Worker(message) for _ in range(self.n_jobs)]
        trials: dict[int, Any] = {}

        def record(outcome: TrialOutcome) -> None:
            trial = trials.pop(outcome.number)
            if outcome.status == "completed" and outcome.loss is not None:
                study.tell(trial, outcome.loss)
            elif outcome.status == "pruned":
                study.tell(trial, state=TrialState.PRUNED)
            else:
                study.tell(trial, state=TrialState.FAIL)
            self.outcomes.append(outcome)
            if self.on_outcome is not None:
                self.on_outcome(outcome)

        try:
            while True:
                for index, worker in enumerate(workers):
                    if worker.spec is not None or exhausted:
                        continue
                    if self.max_trials is not None and asked >= self.max_trials:
                        break
                    if time.monotonic() >= deadline:
                        break
                    trial = study.ask()
                    framework = trial.suggest_categorical("framework", self.frameworks)
                    params = suggest(trial, framework, self.context.task)
                    key = _key(framework, params)
                    if key in seen:
                        study.tell(trial, state=TrialState.FAIL)
                        repeats += 1
                        exhausted = repeats >= MAX_REPEATS
                        continue
                    seen.add(key)
                    repeats = 0
                    spec = TrialSpec(asked, framework, params, self._prune_above())
                    asked += 1
                    trials[spec.number] = trial
                    if worker.process.poll() is not None:
                        worker.kill()
                        workers[index] = worker = Worker(message)
                    worker.submit(spec)
                    if self.on_start is not None:
                        self.on_start(spec)
                busy = [w for w in workers if w.spec is not None]
                if not busy:
                    if exhausted or (self.max_trials is not None and asked >= self.max_trials):
                        break
                    if time.monotonic() >= deadline:
                        break
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                for worker in wait_any(busy, min(remaining, 1.0)):
                    running = worker.spec
                    assert running is not None
                    try:
                        outcome = worker.receive()
                    except (EOFError, OSError, ValueError) as e:
                        outcome = TrialOutcome(
                            running.number,
                            running.framework,
                            running.params,
                            "failed",
                            error=f"the worker died: {e}",
                        )
                        outcome.fit_time_s = time.monotonic() - worker.started_at
                        worker.kill()
                        workers[workers.index(worker)] = Worker(message)
                    record(outcome)
        finally:
            for worker in workers:
                if worker.spec is not None:
                    spec = worker.spec
                    worker.kill()
                    outcome = TrialOutcome(
                        spec.number,
                        spec.framework,
                        spec.params,
                        "timeout",
                        error="cut off at the time budget",
                        fit_time_s=time.monotonic() - worker.started_at,
                    )
                    if spec.number in trials:
                        record(outcome)
                else:
                    worker.stop()
            folder.cleanup()
        return self.outcomes
