"""``carnet.serving``: scoring with a model, online and in batch.

``create_scoring_app`` is the app ``carnet serve`` runs (MLflow's scoring protocol, signature
checks, micro-batching, ``/metrics``); ``predict_files`` is ``carnet predict`` (tables scored chunk
by chunk into Parquet, failing rows reported with the reason).
"""

from __future__ import annotations

from carnet.serving.app import create_scoring_app
from carnet.serving.scorer import Scorer
from carnet.serving.server import load_app

__all__ = ["Scorer", "create_scoring_app", "load_app"]
