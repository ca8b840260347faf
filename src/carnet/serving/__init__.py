"""``carnet.serving``: scoring with a model, online and in batch.

``create_scoring_app`` is the app ``carnet serve`` runs (MLflow's scoring protocol, signature
checks, micro-batching, ``/metrics``); ``predict_files`` is ``carnet predict`` (tables scored chunk
by chunk into Parquet, failing rows reported with the reason); ``spark_udf`` and
``score_ray_dataset`` score Spark and Ray datasets (the ``spark`` and ``ray`` extras).
"""

from __future__ import annotations

from typing import Any

from carnet.serving.app import create_scoring_app
from carnet.serving.scorer import Scorer
from carnet.serving.server import load_app

__all__ = ["Scorer", "create_scoring_app", "load_app", "score_ray_dataset", "spark_udf"]


def spark_udf(spark: Any, model_uri: str, result_type: Any = "double", **options: Any) -> Any:
    """A pandas UDF scoring Spark columns with the model (see :func:`carnet.pyfunc.spark_udf`)."""
    from carnet.pyfunc import spark_udf as udf

    return udf(spark, model_uri, result_type, **options)


def score_ray_dataset(dataset: Any, model_uri: str, **options: Any) -> Any:
    """A Ray dataset with predictions added (see :func:`carnet.serving.ray.score_ray_dataset`)."""
    from carnet.serving.ray import score_ray_dataset as score

    return score(dataset, model_uri, **options)
