"""Batch scoring on a local PySpark session (``spark_udf``) and a local Ray (``score_ray_dataset``).
Each skips only when its package is not installed."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.serving.conftest import COLUMNS

from carnet.pyfunc import spark_udf
from carnet.serving import score_ray_dataset


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[1]")
        .appName("carnet-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")  # PySpark's note on pandas 3
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_spark_udf_scores_columns_like_the_model(
    spark: Any, iris_model: Path, iris: tuple[pd.DataFrame, pd.Series], iris_expected: Any
) -> None:
    X = iris[0].assign(id=range(150))
    frame = spark.createDataFrame(X).repartition(3)
    predict = spark_udf(spark, str(iris_model), "long")
    scored = frame.withColumn("prediction", predict(*COLUMNS)).orderBy("id").toPandas()
    assert scored["prediction"].tolist() == iris_expected.tolist()
    proba = spark_udf(spark, str(iris_model), "array<double>", method="predict_proba")
    first = frame.orderBy("id").limit(3).withColumn("p", proba(*COLUMNS)).toPandas()
    assert np.allclose(np.stack(first["p"].to_numpy()).sum(axis=1), 1.0)


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_score_ray_dataset_adds_predictions(
    local_ray: Any, iris_model: Path, iris: tuple[pd.DataFrame, pd.Series], iris_expected: Any
) -> None:
    import ray.data

    X = iris[0].assign(id=range(150))
    scored = score_ray_dataset(ray.data.from_pandas(X), str(iris_model), batch_size=40).to_pandas()
    scored = scored.sort_values("id")
    assert scored["prediction"].tolist() == iris_expected.tolist()
    assert scored["id"].tolist() == list(range(150))
    proba = score_ray_dataset(
        ray.data.from_pandas(X.head(5)), str(iris_model), method="predict_proba"
    ).to_pandas()
    assert [c for c in proba.columns if c.startswith("prediction_")] == [
        "prediction_0",
        "prediction_1",
        "prediction_2",
    ]
