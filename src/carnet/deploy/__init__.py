"""``carnet.deploy``: managed scoring endpoints.

An endpoint is a name, a key, and one or two deployments sharing its traffic; each deployment is a
``carnet serve`` process the server's :class:`~carnet.deploy.supervisor.Supervisor` starts, watches
and restarts, redeploying when the alias or stage it follows moves. Nothing here loads a model:
the server imports this package, and models are loaded only in the scoring processes.
"""

from __future__ import annotations

from carnet.deploy.keys import hash_key, key_matches, new_key
from carnet.deploy.resolve import resolve_model_uri
from carnet.deploy.supervisor import Supervisor
from carnet.deploy.traffic import TrafficSplitter

__all__ = ["Supervisor", "TrafficSplitter", "hash_key", "key_matches", "new_key", "resolve_model_uri"]
