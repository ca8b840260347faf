"""The MLmodel file: the keys MLflow writes, and keys carnet does not know kept as read."""

from __future__ import annotations

from pathlib import Path

import yaml

from carnet.models import Model, infer_signature
from carnet.models.folder import pyfunc_conf


def test_keys_and_round_trip(tmp_path: Path) -> None:
    model = Model(signature=infer_signature([[1.0, 2.0]]))
    model.add_flavor("python_function", **pyfunc_conf("carnet.pyfunc.python_model"))
    model.save(tmp_path / "MLmodel")
    data = yaml.safe_load((tmp_path / "MLmodel").read_text())
    assert set(data) == {"flavors", "model_id", "model_uuid", "signature", "utc_time_created"}
    assert data["model_id"] is None and len(data["model_uuid"]) == 32
    assert data["flavors"]["python_function"]["env"] == {
        "conda": "conda.yaml",
        "virtualenv": "python_env.yaml",
    }
    assert Model.load(tmp_path) == model


def test_unknown_keys_survive_a_rewrite(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text(
        "flavors: {python_function: {loader_module: mlflow.sklearn}}\n"
        "mlflow_version: 3.17.2\nprompts: null\nis_signature_from_type_hint: false\n"
        'signature: {inputs: \'[{"type": "array", "items": {"type": "long"}, "required": true}]\','
        " outputs: null, params: null}\n"
    )
    model = Model.load(tmp_path)
    model.save(tmp_path / "MLmodel")
    data = yaml.safe_load((tmp_path / "MLmodel").read_text())
    assert data["mlflow_version"] == "3.17.2" and data["is_signature_from_type_hint"] is False
    # A richer MLflow type is kept exactly as written.
    assert data["signature"]["inputs"] == '[{"type": "array", "items": {"type": "long"}, "required": true}]'
