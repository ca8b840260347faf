"""The leaderboard: trials ranked by the search's metric, best first.

Built from the search's own outcomes while it runs, or read back from a stored AutoML run (its
child runs), so it can be watched from another process (SDK, ``carnet automl leaderboard``, the
studio) while the search goes on.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from carnet.automl import tracking
from carnet.automl.metrics import METRICS
from carnet.exceptions import InvalidArgument

COLUMNS = ["rank", "framework", "hyperparameters", "training_time_s", "status", "run_id", "trial"]
_STATUS_ORDER = {"completed": 0, "pruned": 1, "timeout": 2, "failed": 3}


def _readable(value: Any) -> Any:
    if isinstance(value, str):
        if value in ("None", "True", "False"):
            return {"None": None, "True": True, "False": False}[value]
        try:
            value = int(value)
        except ValueError:
            try:
                value = float(value)
            except ValueError:
                return value
    if isinstance(value, float):
        return float(f"{value:.4g}")
    return value


def describe_params(params: dict[str, Any]) -> str:
    """Hyperparameters as the leaderboard shows them: JSON, floats to 4 significant digits."""
    return json.dumps({k: _readable(v) for k, v in params.items()}, sort_keys=True, default=str)


def build(rows: list[dict[str, Any]], metric: str, greater_is_better: bool, task: str) -> pd.DataFrame:
    """Rank ``rows`` (dicts with the columns above plus one per metric) by ``metric``."""
    metric_names = list(METRICS[task])
    ordered = [metric, *[m for m in metric_names if m != metric]]
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "rank"] + ordered)
    if frame.empty:
        frame.insert(0, "rank", pd.Series(dtype="Int64"))
        return frame
    frame["_status"] = frame["status"].map(_STATUS_ORDER).fillna(9)
    frame["_score"] = pd.to_numeric(frame[metric], errors="coerce")
    frame = frame.sort_values(
        ["_status", "_score", "trial"], ascending=[True, not greater_is_better, True], na_position="last"
    ).drop(columns=["_status", "_score"])
    ranked = (frame["status"] == "completed") & frame[metric].notna()
    frame.insert(
        0, "rank", pd.Series(range(1, len(frame) + 1), index=frame.index).where(ranked).astype("Int64")
    )
    frame = frame.reset_index(drop=True)
    return frame[
        ["rank", "framework", *ordered, "training_time_s", "status", "hyperparameters", "run_id", "trial"]
    ]


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read(run_id: str, tracking_uri: str | None = None) -> pd.DataFrame:
    """The leaderboard of the stored AutoML run ``run_id`` (finished or still running)."""
    from carnet.sdk import fluent
    from carnet.sdk.run import Run
    from carnet.sdk.workspace import Workspace

    workspace = Workspace(tracking_uri) if tracking_uri else fluent.default_workspace()
    parent = Run.attach(workspace, run_id)
    tags = parent.get_tags()
    if tags.get(tracking.TAG) != "true":
        raise InvalidArgument(f"run_id: run {run_id} is not an AutoML run", field="run_id")
    task = tags.get(tracking.TAG_TASK, "classification")
    metric = tags.get(tracking.TAG_METRIC, "")
    rows = []
    for child in parent.get_children():
        data = child.data
        child_tags = dict(data.tags)
        if tracking.TAG_FRAMEWORK not in child_tags:
            continue
        metrics = dict(data.metrics)
        rows.append(
            {
                "framework": child_tags[tracking.TAG_FRAMEWORK],
                "hyperparameters": describe_params(dict(data.params)),
                "training_time_s": _float(metrics.get("training_time_s")),
                "status": child_tags.get(tracking.TAG_STATUS, ""),
                "run_id": child.id,
                "trial": int(child_tags.get(tracking.TAG_TRIAL, 0)),
                **{name: _float(metrics.get(name)) for name in METRICS.get(task, {})},
            }
        )
    greater = tags.get(tracking.TAG_DIRECTION) == "maximize"
    return build(rows, metric, greater, task)
