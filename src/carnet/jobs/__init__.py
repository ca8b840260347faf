"""Jobs: scripts submitted with a snapshot of their folder, run by workers on compute targets.

``carnet.sdk.script_run`` submits (``Experiment.submit(ScriptRunConfig(...))``); the queue lives
in the store (``carnet.store.jobs``); this package runs what is queued: ``worker.Worker`` claims
jobs, ``runner.LocalRunner`` runs one as a local process, ``ray_target.RayRunner`` sends one to a
Ray cluster, and ``environments`` finds or builds the interpreter a job runs with.
"""

from __future__ import annotations

from carnet.jobs.worker import Worker

__all__ = ["Worker"]
