"""Writing a model folder: data files (by the flavor), ``MLmodel``, the input example and the
environment files (``requirements.txt``, ``python_env.yaml``, ``conda.yaml``) MLflow reads."""

from __future__ import annotations

import json
import platform
from collections.abc import Callable, Sequence
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from carnet.exceptions import AlreadyExists, InvalidValue
from carnet.models.infer import infer_schema
from carnet.models.mlmodel import MLMODEL_FILE, PYFUNC_FLAVOR, Model
from carnet.models.schema import ModelSignature

CONDA_FILE = "conda.yaml"
PYTHON_ENV_FILE = "python_env.yaml"
REQUIREMENTS_FILE = "requirements.txt"
EXAMPLE_FILE = "input_example.json"
SERVING_EXAMPLE_FILE = "serving_input_example.json"


def pinned(*packages: str) -> list[str]:
    """``name==version`` for each installed package (unpinned when it is not installed)."""
    out = []
    for name in packages:
        try:
            out.append(f"{name}=={importlib_metadata.version(name)}")
        except importlib_metadata.PackageNotFoundError:
            out.append(name)
    return out


def pyfunc_conf(loader_module: str, **conf: Any) -> dict[str, Any]:
    """The ``python_function`` flavor: how any pyfunc loader (carnet's or MLflow's) loads the model."""
    return {
        "env": {"conda": CONDA_FILE, "virtualenv": PYTHON_ENV_FILE},
        "loader_module": loader_module,
        "python_version": platform.python_version(),
        **conf,
    }


def write_model_folder(
    path: str | Path,
    *,
    flavor: str,
    flavor_conf: dict[str, Any],
    pyfunc: dict[str, Any] | None,
    requirements: Sequence[str],
    write_data: Callable[[Path], object],
    signature: ModelSignature | None = None,
    input_example: Any = None,
    metadata: dict[str, Any] | None = None,
) -> Model:
    """Create the folder ``path`` (it must not exist, or be empty) with a complete model in it."""
    folder = Path(path)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise AlreadyExists(f"path: {str(folder)!r} already exists and is not empty", field="path")
    folder.mkdir(parents=True, exist_ok=True)
    write_data(folder)
    model = Model(metadata=metadata)
    if input_example is not None:
        model.saved_input_example_info = save_input_example(folder, input_example)
        if signature is None:
            signature = ModelSignature(infer_schema(_example_frame(input_example), "input_example"))
    model.signature = signature
    if pyfunc is not None:
        model.add_flavor(PYFUNC_FLAVOR, **pyfunc)
    model.add_flavor(flavor, **flavor_conf)
    model.model_size_bytes = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    model.save(folder / MLMODEL_FILE)
    write_environment(folder, requirements)
    return model


def write_environment(folder: Path, requirements: Sequence[str]) -> None:
    reqs = list(dict.fromkeys(requirements))
    (folder / REQUIREMENTS_FILE).write_text("".join(f"{r}\n" for r in reqs), encoding="utf-8")
    python = platform.python_version()
    build = pinned("pip", "setuptools", "wheel")
    (folder / PYTHON_ENV_FILE).write_text(
        yaml.safe_dump(
            {"python": python, "build_dependencies": build, "dependencies": [f"-r {REQUIREMENTS_FILE}"]},
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    conda = {
        "channels": ["conda-forge"],
        "dependencies": [f"python={python}", "pip", {"pip": reqs}],
        "name": "carnet-env",
    }
    (folder / CONDA_FILE).write_text(yaml.safe_dump(conda, sort_keys=False), encoding="utf-8")


def _example_frame(example: Any) -> Any:
    if isinstance(example, dict) or (isinstance(example, list) and example and isinstance(example[0], dict)):
        return pd.DataFrame(example)
    return example


def save_input_example(folder: Path, example: Any) -> dict[str, Any]:
    """Write the example as MLflow does (split-oriented for tables, ``inputs`` for arrays); return
    the ``saved_input_example_info`` entry."""
    example = _example_frame(example)
    if isinstance(example, pd.Series):
        example = example.to_frame()
    if isinstance(example, pd.DataFrame):
        split = json.loads(example.to_json(orient="split", index=False, date_format="iso"))
        body = {"columns": split["columns"], "data": split["data"]}
        (folder / EXAMPLE_FILE).write_text(json.dumps(body), encoding="utf-8")
        serving = {"dataframe_split": body}
        info = {"type": "dataframe", "pandas_orient": "split"}
    else:
        array = np.asarray(example)
        if array.dtype.kind not in "biuf":
            raise InvalidValue(
                f"input_example: cannot store an array of dtype {array.dtype}", field="input_example"
            )
        (folder / EXAMPLE_FILE).write_text(json.dumps(array.tolist()), encoding="utf-8")
        serving = {"inputs": array.tolist()}
        info = {"type": "ndarray"}
    (folder / SERVING_EXAMPLE_FILE).write_text(json.dumps(serving, indent=2), encoding="utf-8")
    return {"artifact_path": EXAMPLE_FILE, "serving_input_path": SERVING_EXAMPLE_FILE, **info}


def load_input_example(folder: str | Path, model: Model) -> Any:
    """The saved input example (a DataFrame or a numpy array), or None."""
    info = model.saved_input_example_info
    if not info:
        return None
    data = json.loads(
        (Path(folder) / str(info.get("artifact_path", EXAMPLE_FILE))).read_text(encoding="utf-8")
    )
    if info.get("type") == "dataframe":
        return pd.DataFrame(data["data"], columns=data["columns"])
    return np.asarray(data["inputs"] if isinstance(data, dict) else data)
