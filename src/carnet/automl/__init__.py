"""``carnet.automl``: classification, regression and forecasting under a time budget.

::

    import carnet.automl
    result = carnet.automl.run(df, task="classification", target="churn", timeout="5m")
    result.leaderboard            # every trial ranked by the metric
    result.best_model.predict(new_rows)
    result.register("churn")

See ``docs/automl.md``.
"""

from __future__ import annotations

from carnet.automl.api import run
from carnet.automl.leaderboard import read as leaderboard
from carnet.automl.metrics import METRICS, TASKS
from carnet.automl.result import AutoMLResult

__all__ = ["METRICS", "TASKS", "AutoMLResult", "leaderboard", "run"]
