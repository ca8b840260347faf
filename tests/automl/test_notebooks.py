"""The notebooks logged with an AutoML run execute, and the best-model one reproduces the score."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import carnet.automl


def _execute(path: Path) -> list[str]:
    import nbclient
    import nbformat

    book = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return [
        str(output.get("text", ""))
        for cell in book.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    ]


@pytest.mark.parametrize("task", ["classification", "forecasting"])
def test_notebooks_execute_and_reproduce_the_score(
    task: str, cancer: pd.DataFrame, co2: pd.DataFrame, tmp_path: Path
) -> None:
    if task == "classification":
        result = carnet.automl.run(
            cancer, task, "diagnosis", frameworks="logistic_regression,lightgbm", timeout=120, max_trials=4
        )
    else:
        result = carnet.automl.run(
            co2,
            task,
            "co2",
            time_column="month",
            horizon=6,
            frameworks="seasonal_naive,ets",
            timeout=120,
            max_trials=3,
        )
    names = result.run.get_file_names()
    assert {"notebooks/exploration.ipynb", "notebooks/best_model.ipynb", "notebooks/data.parquet"} <= set(
        names
    )
    folder = result.run.download_files("notebooks", tmp_path / "out")
    notebooks = next(p for p in [folder, folder / "notebooks"] if (p / "best_model.ipynb").exists())
    _execute(notebooks / "exploration.ipynb")
    printed = "".join(_execute(notebooks / "best_model.ipynb"))
    assert f"{result.metric}: retrained" in printed
