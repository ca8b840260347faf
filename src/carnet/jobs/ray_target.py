"""Running one claimed job on a Ray cluster through Ray's job submission API.

The worker still prepares the job (it unpacks the snapshot and keeps the heartbeats), then hands
the unpacked folder to Ray as the job's ``working_dir``; Ray ships it to the cluster and runs the
script there with the same ``CARNET_*`` variables, so ``Run.get_context()`` is the job's run (the
cluster must reach the tracking URI: a carnet server, or a database both can open). The script's
output is read back from Ray into the job's output; ``./outputs`` is uploaded by the job itself
on the cluster when the script ends. A spec environment becomes Ray's ``pip`` runtime
environment. Needs the ``ray`` extra (``pip install carnet[ray]``).
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Any

from carnet.config import Location
from carnet.entities import ComputeTarget, EnvironmentKind, Job, JobStatus
from carnet.exceptions import InvalidState
from carnet.jobs.runner import LocalRunner, RunnerSettings, _Heartbeat, _Output
from carnet.sdk.script_run import pip_requirements
from carnet.store.artifacts.base import ArtifactRepository
from carnet.store.base import TrackingStore

POLL_SECONDS = 0.5
SUBMIT_PATIENCE_S = 120.0

# On the cluster: run the script as __main__, then upload ./outputs to the job's run.
_RAY_LAUNCHER = """\
import os, runpy, sys
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    if os.path.isdir("outputs"):
        from carnet import Run
        Run.get_context().upload_folder("outputs", "outputs")
"""

_RAY_END = {"SUCCEEDED": JobStatus.COMPLETED, "FAILED": JobStatus.FAILED, "STOPPED": JobStatus.CANCELED}


class RayRunner(LocalRunner):
    """Runs one claimed job on the Ray cluster of ``target``."""

    def __init__(
        self,
        store: TrackingStore,
        location: Location,
        job: Job,
        worker_id: str,
        settings: RunnerSettings,
        target: ComputeTarget,
    ) -> None:
        super().__init__(store, location, job, worker_id, settings)
        self.target = target

    def _environment(self, artifacts: ArtifactRepository, output: _Output) -> str:
        output.write(f"environment: the Ray cluster at {self.target.address}\n")
        return "python"

    def _execute(
        self, python: str, source: Path, output: _Output, heartbeat: _Heartbeat
    ) -> tuple[JobStatus, str | None]:
        try:
            from ray.job_submission import JobSubmissionClient
        except ImportError:
            raise InvalidState(
                f"compute target {self.target.name!r} is a Ray cluster, and this worker has no ray: "
                "install carnet[ray] where the worker runs",
                field="compute_target",
            ) from None
        client = JobSubmissionClient(self.target.address)
        env = {
            k: v
            for k, v in self._environment_variables().items()
            if k.startswith("CARNET_") or k == "PYTHONUNBUFFERED"
        }
        runtime_env: dict[str, object] = {"working_dir": str(source), "env_vars": env}
        if self.job.environment_kind is not EnvironmentKind.CURRENT:
            requirements = pip_requirements(self.job.environment_kind, self.job.environment)
            runtime_env["pip"] = [
                line.strip()
                for line in requirements.splitlines()
                if line.strip() and not line.startswith("#")
            ]
        entrypoint = shlex.join([python, "-u", "-c", _RAY_LAUNCHER, self.job.script, *self.job.arguments])
        submission_id = self._submit(client, heartbeat, entrypoint, runtime_env)
        if submission_id is None:
            return JobStatus.CANCELED, "canceled while waiting for the Ray cluster"
        output.write(f"ray: submitted as {submission_id}\n")
        seen = 0
        stopped = False
        while True:
            status = str(client.get_job_status(submission_id).value)
            logs = client.get_job_logs(submission_id)
            if len(logs) > seen:
                output.write(logs[seen:])
                seen = len(logs)
            output.flush()
            if status in _RAY_END:
                break
            if heartbeat.stop.is_set() and not stopped:
                stopped = True
                client.stop_job(submission_id)
            time.sleep(POLL_SECONDS)
        result = _RAY_END[status]
        if stopped:
            return JobStatus.CANCELED, "canceled while running"
        if result is JobStatus.FAILED:
            info = client.get_job_info(submission_id)
            tail = "".join(output.tail).rstrip()
            return JobStatus.FAILED, f"the Ray job failed: {info.message}; the end of its output:\n{tail}"
        return result, None if result is JobStatus.COMPLETED else "stopped on the Ray cluster"

    def _submit(
        self, client: Any, heartbeat: _Heartbeat, entrypoint: str, runtime_env: dict[str, object]
    ) -> str | None:
        """Submit to Ray; a cluster that is starting ("no available agent ... try again later")
        is asked again for up to ``SUBMIT_PATIENCE_S``. None when the job was canceled meanwhile."""
        deadline = time.monotonic() + SUBMIT_PATIENCE_S
        while True:
            try:
                return str(
                    client.submit_job(
                        entrypoint=entrypoint,
                        runtime_env=runtime_env,
                        submission_id=f"carnet-{self.job.job_id}",
                    )
                )
            except RuntimeError as exc:
                if "try again later" not in str(exc) or time.monotonic() > deadline:
                    raise
            if heartbeat.stop.wait(1.0):
                return None
