"""Real data for the studio's tests, logged with the SDK: an experiment with a parent run and its
children, a run with every metric kind and artifacts of every previewable type, and a registered
model with versions, stages and an alias."""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import carnet

MLMODEL = """\
artifact_path: model
flavors:
  python_function:
    loader_module: carnet.sklearn
    python_version: 3.11.0
  sklearn:
    pickled_model: model.pkl
    serialization_format: skops
    sklearn_version: 1.5.0
signature:
  inputs: '[{"type": "double", "name": "age"}, {"type": "double", "name": "bmi"}]'
  outputs: '[{"type": "double", "name": "target"}]'
"""

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "source": ["# Exploring the diabetes data"], "metadata": {}},
        {
            "cell_type": "code",
            "source": ["print(1 + 1)"],
            "metadata": {},
            "execution_count": 1,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["2\n"]}],
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def png(width: int = 16, height: int = 12, shade: int = 0) -> bytes:
    """A small RGB PNG, made by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + bytes((x * 15 + shade) % 256 for x in range(width) for _ in range(3)) for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


@dataclass
class StudioData:
    experiment_id: str
    experiment_name: str
    parent_id: str
    child_ids: list[str]
    rich_id: str
    model_name: str
    url: str = ""  # the studio's server, set by the fixture that serves it
    uri: str = ""  # the store behind it


def log_everything(uri: str, folder: Path) -> StudioData:
    """Log the studio's test data to the store at ``uri`` (files staged in ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    ws = carnet.Workspace(uri)
    experiment = carnet.Experiment(ws, "diabetes")
    child_ids: list[str] = []
    with experiment.start_logging(display_name="sweep") as parent:
        parent.tag("team", "forecasting")
        for i, alpha in enumerate((0.1, 0.3, 1.0)):
            with parent.child_run(f"alpha={alpha}") as child:
                child.log_param("alpha", alpha)
                child.log("rmse", 50.0 + i * 2.5)
                child.log("r2", 0.45 - i * 0.05)
                for step in range(50):
                    child.log("loss", 1.0 / (step + 1) + i * 0.01)
                child_ids.append(child.id)
        parent.log("best_rmse", 50.0)
    with experiment.start_logging(display_name="rich") as rich:
        rich.log_param("model", "ridge")
        rich.log_param("alpha", 0.5)
        for step in range(300):
            rich.log("loss", 2.0 / (step + 1))
            rich.log("accuracy", min(0.99, 0.5 + step / 600))
        rich.log_list("fold_auc", [0.91, 0.93, 0.9])
        for feature, coef in (("age", 0.3), ("bmi", 519.8), ("bp", 324.4)):
            rich.log_row("coefficients", feature=feature, coef=coef, abs_coef=abs(coef))
        rich.log_table("confusion", {"actual": [0, 1], "predicted_0": [40, 3], "predicted_1": [5, 52]})
        for step in range(3):
            image = folder / f"residuals{step}.png"
            image.write_bytes(png(shade=step * 60))
            rich.log_image("residuals", path=image, step=step)
        files = {
            "notes.txt": b"fitted on 442 rows\n",
            "config.json": json.dumps({"alpha": 0.5, "features": ["age", "bmi"]}).encode(),
            "params.yaml": b"alpha: 0.5\nsolver: auto\n",
            "predictions.csv": b"id,actual,predicted\n1,151,148.2\n2,75,80.1\n",
            "analysis.ipynb": json.dumps(NOTEBOOK).encode(),
            "weights.bin": bytes(range(256)) * 8,
            "big.log": b"x" * (1024 * 1024 + 10),
            "plots/residuals.png": png(),
            "model/MLmodel": MLMODEL.encode(),
            "model/model.pkl": b"\x80\x04not a real pickle",
        }
        for name, data in files.items():
            path = folder / name.replace("/", "_")
            path.write_bytes(data)
            rich.upload_file(name, path)
        rich.register_model("diabetes-ridge", "model", description="Ridge on the diabetes data")
        rich.register_model("diabetes-ridge", "model")
    ws.store.transition_model_version_stage("diabetes-ridge", "1", "Production", False, "alice")
    ws.store.set_registered_model_alias("diabetes-ridge", "champion", "1", "alice")
    return StudioData(experiment.id, "diabetes", parent.id, child_ids, rich.id, "diabetes-ridge")
