"""``carnet predict``: a folder of CSV and Parquet files scored chunk by chunk into one Parquet
file; failing rows reported with the reason, never dropped silently."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from carnet.cli import app


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _folder(tmp_path: Path, X: pd.DataFrame) -> Path:
    folder = tmp_path / "tables"
    folder.mkdir()
    with_ids = X.assign(id=range(len(X)))
    with_ids.iloc[:50].to_csv(folder / "a.csv", index=False)
    with_ids.iloc[50:110].to_parquet(folder / "b.parquet", index=False)
    with_ids.iloc[110:].to_csv(folder / "c.csv", index=False)
    (folder / "notes.txt").write_text("not a table")
    return folder


def test_a_folder_of_csv_and_parquet_is_scored_in_chunks(
    tmp_path: Path, iris_model: Path, iris: tuple[pd.DataFrame, pd.Series], iris_expected: Any
) -> None:
    folder = _folder(tmp_path, iris[0])
    out = tmp_path / "out" / "scored.parquet"
    result = _run("predict", str(iris_model), "-i", str(folder), "-o", str(out), "--chunk-size", "16")
    assert result.exit_code == 0, result.output
    assert "Scored 150 of 150 row(s) from 3 file(s)" in result.output
    scored = pd.read_parquet(out)
    assert scored["id"].tolist() == list(range(150))
    assert scored["prediction"].tolist() == iris_expected.tolist()
    assert not (tmp_path / "out" / "scored.errors.csv").exists()


def test_predict_proba_and_predictions_only(
    tmp_path: Path, iris_model: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    source = tmp_path / "rows.parquet"
    iris[0].to_parquet(source)
    out = tmp_path / "p.parquet"
    result = _run(
        "predict",
        str(iris_model),
        "-i",
        str(source),
        "-o",
        str(out),
        "--method",
        "predict_proba",
        "--predictions-only",
    )
    assert result.exit_code == 0, result.output
    scored = pd.read_parquet(out)
    assert list(scored.columns) == ["prediction_0", "prediction_1", "prediction_2"]
    assert scored.sum(axis=1).round(6).eq(1).all()


def test_failing_rows_are_reported_with_the_reason_and_the_rest_scored(
    tmp_path: Path, iris_model: Path, iris: tuple[pd.DataFrame, pd.Series], iris_expected: Any
) -> None:
    X = iris[0].assign(id=range(150)).astype({"petal_width": object})
    X.loc[[3, 97], "petal_width"] = "broken"
    source = tmp_path / "dirty.csv"
    X.to_csv(source, index=False)
    out = tmp_path / "scored.parquet"
    result = _run("predict", str(iris_model), "-i", str(source), "-o", str(out), "--chunk-size", "40")
    assert result.exit_code == 1
    assert "2 row(s) could not be scored" in result.output
    scored = pd.read_parquet(out)
    assert scored["id"].tolist() == [i for i in range(150) if i not in (3, 97)]
    assert scored["prediction"].tolist() == [int(p) for i, p in enumerate(iris_expected) if i not in (3, 97)]
    with (tmp_path / "scored.errors.csv").open() as handle:
        errors = list(csv.DictReader(handle))
    assert [(e["file"], e["row"]) for e in errors] == [("dirty.csv", "3"), ("dirty.csv", "97")]
    assert all("petal_width" in e["reason"] for e in errors)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.csv", "nothing at"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "holds no .csv or .parquet"),
    ],
)
def test_bad_inputs_say_what_is_wrong(tmp_path: Path, iris_model: Path, make: Any, message: str) -> None:
    result = _run("predict", str(iris_model), "-i", str(make(tmp_path)), "-o", str(tmp_path / "o.parquet"))
    assert result.exit_code in (2, 3)
    assert message in result.output


def test_a_missing_column_stops_the_command_and_writes_nothing(
    tmp_path: Path, iris_model: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    source = tmp_path / "rows.csv"
    iris[0].drop(columns="sepal_width").to_csv(source, index=False)
    out = tmp_path / "o.parquet"
    result = _run("predict", str(iris_model), "-i", str(source), "-o", str(out))
    assert result.exit_code == 2
    assert "'sepal_width'" in result.output
    assert not out.exists()
    assert not list(tmp_path.glob("o.parquet*"))
