"""``carnet.automl.run``: check the inputs, search under the time budget, record, hand back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from carnet.automl import leaderboard, tracking
from carnet.automl.metrics import FORECASTING, all_scores, metric_spec
from carnet.automl.result import AutoMLResult
from carnet.automl.search import Search
from carnet.automl.validation import Problem, prepare
from carnet.automl.worker import Context, TrialOutcome, TrialSpec
from carnet.exceptions import InvalidState
from carnet.sdk.run import Run

# Time kept back from the search for what follows it (ensemble, logging the model, notebooks).
RESERVE_FRACTION = 0.1
RESERVE_MIN_S = 1.5
RESERVE_MAX_S = 20.0

TrialCallback = Callable[[TrialOutcome, pd.DataFrame], None]


def run(
    data: Any,
    task: str,
    target: str,
    metric: str | None = None,
    frameworks: str | list[str] | None = None,
    timeout: float | str = 60,
    max_trials: int | None = None,
    experiment: str | None = None,
    time_column: str | None = None,
    horizon: int | None = None,
    n_jobs: int = 1,
    seed: int = 0,
    *,
    on_trial: TrialCallback | None = None,
    on_start: Callable[[TrialSpec], None] | None = None,
    notebooks: bool = True,
) -> AutoMLResult:
    """Train many models on ``data`` for ``task`` and return the best, within ``timeout``.

    Args:
        data: a pandas DataFrame, or the path of a CSV or Parquet file.
        task: ``"classification"``, ``"regression"`` or ``"forecasting"``.
        target: the column to predict.
        metric: what to rank by (default: ROC AUC for two classes, log loss for more, RMSE for
            regression, MASE for forecasting).
        frameworks: the model families to try (a list or ``"lightgbm,xgboost"``; default: all
            that serve the task and are installed).
        timeout: the time budget, in seconds or as ``"90s"``, ``"10m"``, ``"1h"``; ``run`` returns
            within it plus a few seconds, with the best model found so far.
        max_trials: stop after this many trials even if time is left.
        experiment: where the AutoML run goes (default ``automl``; inside a carnet job, the job's
            run is used).
        time_column, horizon: forecasting only: the time stamps and how many steps to forecast.
        n_jobs: trials trained at once, each in its own process.
        seed: the same seed (with ``n_jobs=1`` and ``max_trials``) gives the same leaderboard.
        on_trial: called after each trial with its outcome and the leaderboard so far.
        notebooks: write the exploration and best-model notebooks.

    Raises:
        InvalidArgument: a bad argument or unusable data, before anything is trained or logged.
        InvalidState: no trial finished within the time budget.
    """
    started = time.monotonic()
    problem = prepare(
        data,
        task,
        target,
        metric=metric,
        frameworks=frameworks,
        timeout=timeout,
        max_trials=max_trials,
        time_column=time_column,
        horizon=horizon,
        n_jobs=n_jobs,
        seed=seed,
    )
    spec = metric_spec(problem.task, problem.metric)
    reserve = min(max(RESERVE_MIN_S, RESERVE_FRACTION * problem.timeout_s), RESERVE_MAX_S)
    deadline = started + max(problem.timeout_s - reserve, 0.5)
    context, validation, guardrails = _context(problem)
    # What follows the search is imported while the workers start, inside the budget.
    warming = threading.Thread(target=_warm_imports, args=(problem, notebooks), daemon=True)
    warming.start()
    parent, owned = tracking.start_parent(problem, spec, experiment)
    try:
        tracking.log_json(parent, "guardrails.json", guardrails)
        parent.tag("carnet.automl.validation", validation)
        rows: list[dict[str, Any]] = []

        def finished(outcome: TrialOutcome) -> None:
            run_id = tracking.log_trial(parent, outcome)
            rows.append(_row(outcome, run_id))
            if on_trial is not None:
                on_trial(outcome, leaderboard.build(rows, spec.name, spec.greater_is_better, problem.task))

        search = Search(
            context,
            problem.frameworks,
            seed=problem.seed,
            n_jobs=problem.n_jobs,
            max_trials=problem.max_trials,
            on_outcome=finished,
            on_start=on_start,
        )
        outcomes = search.run(deadline)
        warming.join()
        done = [o for o in outcomes if o.status == "completed" and o.loss is not None]
        if not done:
            raise InvalidState(
                f"timeout: no trial finished within {problem.timeout_s:g} s "
                f"({len(outcomes)} started); give the search more time",
                field="timeout",
            )
        best = min(done, key=lambda o: (o.loss or 0.0, o.number))
        best_model, best_scores, best_framework = best.model, best.scores, best.framework
        best_run = Run.attach(parent.workspace, next(r["run_id"] for r in rows if r["trial"] == best.number))
        if problem.task != FORECASTING:
            ensembled = _ensemble(parent, problem, context, outcomes, rows)
            if ensembled is not None:
                best_model, best_scores = ensembled
                best_framework, best_run = "ensemble", parent
        board = leaderboard.build(rows, spec.name, spec.greater_is_better, problem.task)
        for name, value in best_scores.items():
            parent.log(name, value)
        parent.tag(tracking.TAG_BEST, best_run.id)
        parent.tag("carnet.automl.best_framework", best_framework)
        _log_model(parent, problem, best_model)
        result = AutoMLResult(
            task=problem.task,
            metric=spec.name,
            greater_is_better=spec.greater_is_better,
            leaderboard=board,
            best_model=best_model,
            best_run=best_run,
            run=parent,
            best_score=float(best_scores[spec.name]),
            validation=validation,
            guardrails=guardrails,
            notes=problem.notes,
        )
        _finish(result, problem, context, notebooks, started + problem.timeout_s)
        parent.tag(tracking.TAG_STATE, "finished")
        if owned:
            parent.complete()
        else:
            parent.flush()
        return result
    except BaseException as e:
        interrupted = isinstance(e, KeyboardInterrupt)
        parent.tag(tracking.TAG_STATE, "canceled" if interrupted else "failed")
        if owned:
            parent.cancel() if interrupted else parent.fail(e)
        raise


def _context(problem: Problem) -> tuple[Context, str, dict[str, Any]]:
    if problem.task == FORECASTING:
        from carnet.automl.forecasting import series_context

        return series_context(problem)
    from carnet.automl.featurize import column_kinds
    from carnet.automl.guardrails import tabular_report
    from carnet.automl.splits import tabular_splits

    kinds = column_kinds(problem.X)
    splits, validation = tabular_splits(problem.task, problem.y, problem.seed)
    context = Context(
        task=problem.task,
        metric=problem.metric,
        X=problem.X,
        y=problem.y,
        splits=splits,
        seed=problem.seed,
        kinds=kinds,
        classes=problem.classes,
    )
    return context, validation, tabular_report(problem, kinds)


def _warm_imports(problem: Problem, notebooks: bool) -> None:
    """Import what the steps after the search need now, inside the budget, not after it."""
    import carnet.models

    if problem.task != FORECASTING:
        import matplotlib.figure  # noqa: F401

        import carnet.sklearn
    else:
        import carnet.pyfunc  # noqa: F401
    if notebooks:
        import nbformat  # noqa: F401


def _row(outcome: TrialOutcome, run_id: str) -> dict[str, Any]:
    return {
        "framework": outcome.framework,
        "hyperparameters": leaderboard.describe_params(outcome.params),
        "training_time_s": round(outcome.fit_time_s, 3),
        "status": outcome.status,
        "run_id": run_id,
        "trial": outcome.number,
        **outcome.scores,
    }


def _ensemble(
    parent: Any, problem: Problem, context: Context, outcomes: list[TrialOutcome], rows: list[dict[str, Any]]
) -> tuple[Any, dict[str, float]] | None:
    """The ensemble and its validation scores, when it beats the best single model (also logged as
    a child run and a leaderboard row)."""
    from carnet.automl.ensemble import select
    from carnet.automl.model import EnsembleModel

    spec = metric_spec(problem.task, problem.metric)
    selection = select(outcomes, spec, problem.task, problem.y)
    if selection is None:
        return None
    blended = np.zeros_like(np.asarray(selection.members[0].oof))
    for member, weight in zip(selection.members, selection.weights, strict=True):
        blended = blended + weight * np.asarray(member.oof)
    covered = ~np.isnan(blended if blended.ndim == 1 else blended[:, 0])
    classes = problem.classes
    extra = {"classes": np.arange(len(classes))} if classes is not None else {}
    scores = all_scores(problem.task, problem.y[covered], blended[covered], **extra)
    model = EnsembleModel([o.model for o in selection.members], selection.weights)
    outcome = TrialOutcome(
        number=max(o.number for o in outcomes) + 1,
        framework="ensemble",
        params=model.params,
        status="completed",
        loss=selection.loss,
        scores=scores,
        fit_time_s=sum(o.fit_time_s for o in selection.members),
    )
    run_id = tracking.log_trial(parent, outcome)
    rows.append(_row(outcome, run_id))
    return model, scores


def _log_model(parent: Any, problem: Problem, model: Any) -> None:
    from carnet.models import infer_signature

    if problem.task == FORECASTING:
        from carnet.automl.forecasting import log_forecaster

        log_forecaster(parent, model)
        return
    import carnet.sklearn

    example = problem.X.head(5)
    predicted = pd.Series(model.predict(problem.X.head(200)), name=problem.target)
    signature = infer_signature(problem.X.head(200), predicted)
    carnet.sklearn.log_model(
        model,
        tracking.MODEL_NAME,
        signature=signature,
        input_example=example,
        serialization_format="cloudpickle",
        run=parent,
    )


def _finish(
    result: AutoMLResult, problem: Problem, context: Context, notebooks: bool, time_up: float
) -> None:
    """Explanations and notebooks, logged with the run. Importance is left out when the budget is
    already spent (a note says so): the budget is the user's promise, the explanation is a bonus."""
    from carnet.automl.explain import log_importance

    if problem.task != FORECASTING:
        if time.monotonic() < time_up:
            result.feature_importance = log_importance(result.run, result.best_model, problem, context)
        else:
            result.notes.append("feature importance left out: the time budget was spent")
    if notebooks:
        from carnet.automl.notebooks import log_notebooks

        log_notebooks(result, problem, context)
