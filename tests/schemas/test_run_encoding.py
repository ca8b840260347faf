"""The hand-written run encoder says exactly what the pydantic schema says."""

from __future__ import annotations

import json
import math

import pytest

from carnet.entities import LifecycleStage, Run, RunData, RunInfo, RunStatus
from carnet.schemas import RunSchema, run_from_wire, run_to_wire, to_json


def _run(**info: object) -> Run:
    fields: dict[str, object] = {
        "run_id": "a" * 32,
        "experiment_id": "3",
        "run_name": "bold-otter",
        "status": RunStatus.COMPLETED,
        "start_time": 1_700_000_000_000,
        "end_time": 1_700_000_000_500,
        "artifact_uri": "/tmp/artifacts/3/aaaa/artifacts",
        "lifecycle_stage": LifecycleStage.DELETED,
        "user_id": "ada",
        "parent_run_id": "b" * 32,
        "source_type": "LOCAL",
        "source_name": "train.py",
        "git_commit": "c0ffee",
        "git_dirty": True,
        "description": "notes",
    }
    fields.update(info)
    data = RunData(
        metrics={"loss": 0.25, "nan": math.nan, "up": math.inf, "down": -math.inf},
        params={"alpha": "0.5"},
        tags={"team": "ml", "empty": ""},
    )
    return Run(info=RunInfo(**fields), data=data)  # type: ignore[arg-type]


def test_run_to_wire_matches_the_schema() -> None:
    for run in (_run(), _run(end_time=None, parent_run_id=None, git_commit=None, git_dirty=None)):
        assert json.loads(to_json(run_to_wire(run))) == RunSchema.of(run).model_dump(mode="json")


def test_wire_round_trip_keeps_non_finite_values() -> None:
    run = _run()
    back = RunSchema.model_validate_json(to_json(run_to_wire(run))).to_entity()
    assert back.info == run.info
    assert back.data.params == run.data.params and back.data.tags == run.data.tags
    assert back.data.metrics["loss"] == 0.25 and math.isnan(back.data.metrics["nan"])
    assert back.data.metrics["up"] == math.inf and back.data.metrics["down"] == -math.inf


def test_run_from_wire_inverts_run_to_wire() -> None:
    for run in (_run(), _run(end_time=None, parent_run_id=None, git_commit=None, git_dirty=None)):
        back = run_from_wire(json.loads(to_json(run_to_wire(run))))
        assert back.info == run.info
        assert back.data.params == run.data.params and back.data.tags == run.data.tags
        assert back.data.metrics["loss"] == 0.25 and math.isnan(back.data.metrics["nan"])
        assert back.data.metrics["up"] == math.inf and back.data.metrics["down"] == -math.inf


def test_run_from_wire_refuses_what_is_not_a_run() -> None:
    good = json.loads(to_json(run_to_wire(_run())))
    for bad in ({}, {"info": {}}, {"info": {**good["info"], "status": "Sleeping"}}, [], "run"):
        with pytest.raises(ValueError, match="not a run message"):
            run_from_wire(bad)
