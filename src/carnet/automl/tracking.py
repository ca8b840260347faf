"""How an AutoML search is recorded: a parent run, one child run per trial, the best model.

Tags the studio and ``carnet automl leaderboard`` read (see ``docs/automl.md``):

* parent: ``carnet.automl=true``, ``carnet.automl.task``, ``carnet.automl.metric``,
  ``carnet.automl.metric_direction`` (``maximize`` / ``minimize``), ``carnet.automl.target``,
  ``carnet.automl.state`` (``running``, then ``finished``);
* child: ``carnet.automl.framework``, ``carnet.automl.status`` (completed, pruned, failed,
  timeout), ``carnet.automl.trial`` (its number); metrics are the validation scores, plus
  ``training_time_s``; params are the hyperparameters.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

from carnet.automl.metrics import MetricSpec
from carnet.automl.validation import Problem
from carnet.automl.worker import TrialOutcome
from carnet.sdk.run import ENV_EXPERIMENT_NAME, ENV_RUN_ID, Run

TAG = "carnet.automl"
TAG_TASK = "carnet.automl.task"
TAG_METRIC = "carnet.automl.metric"
TAG_DIRECTION = "carnet.automl.metric_direction"
TAG_TARGET = "carnet.automl.target"
TAG_STATE = "carnet.automl.state"
TAG_FRAMEWORK = "carnet.automl.framework"
TAG_STATUS = "carnet.automl.status"
TAG_TRIAL = "carnet.automl.trial"
TAG_BEST = "carnet.automl.best_trial"
DEFAULT_EXPERIMENT = "automl"
MODEL_NAME = "model"


def start_parent(problem: Problem, metric: MetricSpec, experiment: str | None) -> tuple[Run, bool]:
    """The AutoML run and whether this search owns it (and so completes it).

    Inside a carnet job (``CARNET_RUN_ID`` set) it is the job's run, whatever ``experiment`` says
    (the job's run already has its experiment), so the job shows the leaderboard; otherwise a new
    run in ``experiment`` (default: ``$CARNET_EXPERIMENT_NAME``, else ``automl``).
    """
    from carnet.sdk import fluent
    from carnet.sdk.experiment import Experiment

    if os.environ.get(ENV_RUN_ID):
        run, owned = Run.get_context(), False
    else:
        name = experiment or os.environ.get(ENV_EXPERIMENT_NAME) or DEFAULT_EXPERIMENT
        run = Experiment(fluent.default_workspace(), name).start_logging(
            display_name=f"automl-{problem.task}"
        )
        owned = True
    run.set_tags(
        {
            TAG: "true",
            TAG_TASK: problem.task,
            TAG_METRIC: metric.name,
            TAG_DIRECTION: metric.direction,
            TAG_TARGET: problem.target,
            TAG_STATE: "running",
        }
    )
    run.log_params(
        {
            "automl.task": problem.task,
            "automl.target": problem.target,
            "automl.metric": metric.name,
            "automl.frameworks": ",".join(problem.frameworks),
            "automl.timeout_s": problem.timeout_s,
            "automl.max_trials": problem.max_trials,
            "automl.n_jobs": problem.n_jobs,
            "automl.seed": problem.seed,
            "automl.rows": len(problem.y),
        }
    )
    run.flush()
    return run, owned


def _param_value(value: Any) -> str:
    return "None" if value is None else str(value)


def log_trial(parent: Run, outcome: TrialOutcome) -> str:
    """Record one finished trial as a child run of ``parent``; return the child's id."""
    child = parent.child_run(
        f"{outcome.framework}-{outcome.number}",
        tags={TAG_FRAMEWORK: outcome.framework, TAG_STATUS: outcome.status, TAG_TRIAL: outcome.number},
    )
    child.log_params({k: _param_value(v) for k, v in outcome.params.items()})
    for name, value in outcome.scores.items():
        child.log(name, value)
    child.log("training_time_s", round(outcome.fit_time_s, 3))
    if outcome.status in ("failed", "timeout"):
        child.fail(outcome.error or outcome.status)
    else:
        child.complete()
    return child.id


def log_json(run: Run, name: str, value: Any) -> None:
    """Write ``value`` as the JSON file ``name`` among the run's files."""
    run.upload_file(name, io.BytesIO(json.dumps(value, indent=2, default=str).encode()))
