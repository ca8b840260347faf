"""The traffic splitter's proportions and the resolution of aliases and stages to versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from carnet.deploy import TrafficSplitter, resolve_model_uri
from carnet.exceptions import NotFound


def test_smooth_weighted_round_robin_gives_exact_shares_interleaved() -> None:
    splitter = TrafficSplitter()
    picks = [splitter.choose("e", [("blue", 70), ("green", 30)]) for _ in range(100)]
    assert picks.count("blue") == 70
    assert "blue" * 4 not in "".join("blue" if p == "blue" else "g" for p in picks)  # interleaved
    assert splitter.choose("e", [("blue", 0), ("green", 0)]) is None
    assert {splitter.choose("e", [("blue", 0), ("green", 100)]) for _ in range(5)} == {"green"}


def test_aliases_stages_and_latest_resolve_to_versions(tmp_path: Path) -> None:
    import numpy as np
    from sklearn.dummy import DummyRegressor

    import carnet
    import carnet.sklearn

    uri = f"sqlite:///{tmp_path / 'carnet.db'}"
    carnet.set_tracking_uri(uri)
    for _ in range(2):
        with carnet.start_run():
            carnet.sklearn.log_model(
                DummyRegressor().fit(np.zeros((2, 1)), [0, 1]), "m", registered_model_name="m"
            )
    store = carnet.Workspace(uri).store
    store.set_registered_model_alias("m", "champion", 1)
    store.transition_model_version_stage("m", 2, "Production")
    assert resolve_model_uri("models:/m@champion", store) == "models:/m/1"
    assert resolve_model_uri("models:/m/Production", store) == "models:/m/2"
    assert resolve_model_uri("models:/m/production", store) == "models:/m/2"
    assert resolve_model_uri("models:/m/latest", store) == "models:/m/2"
    assert resolve_model_uri("models:/m/1", store) == "models:/m/1"
    assert resolve_model_uri("runs:/abc/model", store) == "runs:/abc/model"
    with pytest.raises(NotFound):
        resolve_model_uri("models:/m/Staging", store)
    with pytest.raises(NotFound):
        resolve_model_uri("models:/m@nope", store)
