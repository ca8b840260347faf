"""Describing datasets to log as run inputs (``carnet.log_input``), like ``mlflow.data``::

import carnet.data
carnet.log_input(carnet.data.from_pandas(df, source="data/iris.csv", name="iris"), "training")
"""

from __future__ import annotations

from carnet.entities import Dataset
from carnet.sdk.datasets import from_pandas

__all__ = ["Dataset", "from_pandas"]
