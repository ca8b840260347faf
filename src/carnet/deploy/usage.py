""" "Use this model": ready-to-run code for a model version, written from its URI, its input
example and the endpoints serving it: a batch-inference notebook (nbformat 4 JSON, built here so
the server needs no notebook library) and curl / Python / CLI snippets."""

from __future__ import annotations

import json
import uuid
from typing import Any

from carnet.entities import Endpoint

KEY_VARIABLE = "CARNET_ENDPOINT_KEY"


def _cell(kind: str, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "id": uuid.uuid4().hex[:8], "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _example_frame_code(example: dict[str, Any] | None) -> str:
    split = (example or {}).get("dataframe_split")
    if isinstance(split, dict) and "columns" in split:
        return (
            "example = pd.DataFrame(\n"
            f"    {json.dumps(split.get('data', []))},\n"
            f"    columns={json.dumps(split['columns'])},\n"
            ")"
        )
    return 'example = pd.read_parquet("rows.parquet").head(5)  # a few rows in the model\'s input columns'


def notebook(model_uri: str, server_url: str, example: dict[str, Any] | None) -> dict[str, Any]:
    """A batch-inference notebook for ``model_uri``."""
    cells = [
        _cell(
            "markdown",
            f"# Batch inference with `{model_uri}`\n\nLoads the model from the carnet server at "
            f"{server_url}, checks it on its input example, then scores a table (or a folder of CSV "
            "or Parquet files) chunk by chunk into a Parquet file.",
        ),
        _cell(
            "code",
            "import pandas as pd\n\nimport carnet\nimport carnet.pyfunc\n\n"
            f'carnet.set_tracking_uri("{server_url}")\n'
            f'model = carnet.pyfunc.load_model("{model_uri}")\nmodel.metadata.signature',
        ),
        _cell("code", _example_frame_code(example) + "\nmodel.predict(example)"),
        _cell(
            "markdown",
            "## Score a whole table\n\n`carnet predict` streams the input in chunks, shows progress and "
            "writes rows the model cannot score, with the reason, to `scored.errors.csv`.",
        ),
        _cell(
            "code",
            'INPUT = "rows.parquet"   # a .csv or .parquet file, or a folder of them\n'
            'OUTPUT = "scored.parquet"\n\n'
            f"!carnet -u {server_url} predict {model_uri} -i {{INPUT}} -o {{OUTPUT}} --chunk-size 100000",
        ),
        _cell("code", "scored = pd.read_parquet(OUTPUT)\nscored.head()"),
    ]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def snippets(
    model_uri: str, server_url: str, example: dict[str, Any] | None, endpoints: list[Endpoint]
) -> dict[str, str]:
    """Copy-and-run code: ``curl`` and ``python`` against the first endpoint serving the model
    (or a local ``carnet serve``), ``serve`` and ``predict`` command lines, ``pyfunc`` loading."""
    body = json.dumps(example or {"dataframe_split": {"columns": ["..."], "data": [["..."]]}})
    if endpoints:
        url = f"{server_url}/endpoints/{endpoints[0].name}/invocations"
        auth_curl = f' \\\n  -H "Authorization: Bearer ${KEY_VARIABLE}"'
        auth_py = f'"Authorization": f"Bearer {{os.environ[\'{KEY_VARIABLE}\']}}", '
    else:
        url = "http://127.0.0.1:5001/invocations"
        auth_curl, auth_py = "", ""
    return {
        "curl": (
            f"curl -s -X POST {url}{auth_curl} \\\n  -H 'Content-Type: application/json' \\\n  -d '{body}'"
        ),
        "python": (
            "import os\n\nimport httpx\n\n"
            f'response = httpx.post(\n    "{url}",\n'
            f'    headers={{{auth_py}"Content-Type": "application/json"}},\n'
            f"    content={json.dumps(body)},\n)\nresponse.raise_for_status()\n"
            'print(response.json()["predictions"])'
        ),
        "serve": f"carnet -u {server_url} serve {model_uri} --port 5001",
        "predict": f"carnet -u {server_url} predict {model_uri} -i rows.parquet -o scored.parquet",
        "pyfunc": (
            f'import carnet\nimport carnet.pyfunc\n\ncarnet.set_tracking_uri("{server_url}")\n'
            f'model = carnet.pyfunc.load_model("{model_uri}")\npredictions = model.predict(frame)'
        ),
    }
