"""Running one claimed job as a local process, from its snapshot, in its environment.

Preparing: the snapshot is downloaded from the run and unpacked into a fresh folder, and the
environment is found or built (its log kept as the run's ``logs/environment.txt``). Running: the
script runs with that folder as its working directory, in its own process group, with
``CARNET_RUN_ID``/``CARNET_JOB_ID``/``CARNET_TRACKING_URI`` set so ``Run.get_context()`` is the
job's run; stdout and stderr go into the job's output as they come. A heartbeat thread tells the
store the worker is alive and learns of cancels; a cancel stops the whole process group. At the
end ``./outputs`` is uploaded as the run's ``outputs/`` and the whole output as
``logs/output.txt``; a non-zero exit fails the job with the tail of its output as the error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from carnet.config import Location
from carnet.entities import Job, JobStatus
from carnet.exceptions import CarnetError, InvalidState
from carnet.jobs import environments
from carnet.sdk.snapshot import SNAPSHOT_ARTIFACT, extract_archive
from carnet.store.artifacts.base import ArtifactRepository
from carnet.store.base import TrackingStore
from carnet.store.jobs import JobStore

OUTPUT_LOG = "logs/output.txt"
ENVIRONMENT_LOG = "logs/environment.txt"
TAIL_LINES = 40
MAX_CHUNK = 256 * 1024  # characters per stored piece of output
MAX_STORED_OUTPUT = 20 * 1024 * 1024  # characters of output kept in the store per job
STOP_GRACE_S = 5.0

# Run the script as __main__ and die with the worker: the launcher polls its parent, and when the
# worker is gone (killed, even with SIGKILL) it kills its own process group.
_LAUNCHER = """\
import os, runpy, signal, sys, threading, time
_parent = os.getppid()
def _watch():
    while True:
        time.sleep(0.5)
        if os.getppid() != _parent:
            os.killpg(0, signal.SIGKILL)
threading.Thread(target=_watch, daemon=True).start()
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@dataclass(frozen=True)
class RunnerSettings:
    """How a worker runs its jobs: where it works, how often it sends heartbeats and output."""

    work_root: Path
    heartbeat_seconds: float = 2.0
    log_flush_seconds: float = 0.2
    env_cache: Path | None = None
    keep_work_folders: bool = False


class _Output:
    """The job's output: kept in a local file, sent to the store in chunks, its tail remembered."""

    def __init__(self, store: JobStore, job_id: str, worker_id: str, path: Path) -> None:
        self._store = store
        self._job_id = job_id
        self._worker_id = worker_id
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._pending: list[str] = []
        self._lock = threading.Lock()
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._stored = 0

    def write(self, text: str) -> None:
        with self._lock:
            self._pending.append(text)
            self._file.write(text)
            self.tail.append(text)

    def flush(self) -> None:
        with self._lock:
            text, self._pending = "".join(self._pending), []
            self._file.flush()
        room = MAX_STORED_OUTPUT - self._stored
        if not text or room <= 0:
            return
        if len(text) > room:
            text = text[:room] + (
                f"\n[carnet: the output passed {MAX_STORED_OUTPUT:,} characters; the rest is only in "
                f"the run's {OUTPUT_LOG}]\n"
            )
        for start in range(0, len(text), MAX_CHUNK):
            self._store.append_job_log(self._job_id, self._worker_id, text[start : start + MAX_CHUNK])
        self._stored += len(text)

    def close(self) -> None:
        with contextlib.suppress(CarnetError):
            self.flush()
        self._file.close()


class _Heartbeat(threading.Thread):
    """Sends heartbeats; sets ``stop`` when a cancel is asked or the job is no longer ours."""

    def __init__(self, store: JobStore, job_id: str, worker_id: str, every: float) -> None:
        super().__init__(name=f"carnet-heartbeat-{job_id[:8]}", daemon=True)
        self._store, self._job_id, self._worker_id, self._every = store, job_id, worker_id, every
        self.stop = threading.Event()
        self.lost = False
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self._every):
            try:
                job = self._store.heartbeat_job(self._job_id, self._worker_id)
            except InvalidState:  # reaped, or ended by someone else
                self.lost = True
                self.stop.set()
                return
            except CarnetError:
                continue  # the store is briefly unreachable: try again at the next beat
            if job.cancel_requested:
                self.stop.set()

    def finish(self) -> None:
        self._done.set()


class LocalRunner:
    """Runs one claimed job to its end on this machine."""

    def __init__(
        self, store: TrackingStore, location: Location, job: Job, worker_id: str, settings: RunnerSettings
    ) -> None:
        assert isinstance(store, JobStore)
        self.store = store
        self.jobs: JobStore = store
        self.location = location
        self.job = job
        self.worker_id = worker_id
        self.settings = settings
        self.folder = settings.work_root / job.job_id

    def run(self) -> JobStatus:
        """Prepare, run and finish the job; never raises for the job's own failures."""
        job, jobs = self.job, self.jobs
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        output = _Output(jobs, job.job_id, self.worker_id, self.folder / "output.txt")
        heartbeat = _Heartbeat(jobs, job.job_id, self.worker_id, self.settings.heartbeat_seconds)
        heartbeat.start()
        status, error = JobStatus.FAILED, None
        artifacts: ArtifactRepository | None = None
        try:
            artifacts = self.store.artifact_repository(self.store.get_run(job.run_id).info.artifact_uri)
            source = self._unpack(artifacts)
            python = self._environment(artifacts, output)
            if heartbeat.stop.is_set():
                status, error = JobStatus.CANCELED, "canceled while preparing"
            else:
                jobs.set_job_status(job.job_id, self.worker_id, JobStatus.RUNNING)
                status, error = self._execute(python, source, output, heartbeat)
            outputs = source / "outputs"
            if outputs.is_dir():
                artifacts.log_folder(outputs, "outputs")
        except CarnetError as exc:
            status, error = JobStatus.FAILED, exc.message
        except Exception as exc:  # a job's failure must never take the worker down
            status, error = JobStatus.FAILED, f"{type(exc).__name__}: {exc}"
        finally:
            heartbeat.finish()
            output.close()
        if heartbeat.lost:
            return JobStatus.FAILED  # the reaper has decided already
        if artifacts is not None:
            with contextlib.suppress(CarnetError):
                artifacts.log_file(self.folder / "output.txt", OUTPUT_LOG)
        # Reaped meanwhile (InvalidState), or the store is unreachable: the reaper settles it.
        with contextlib.suppress(CarnetError):
            jobs.set_job_status(job.job_id, self.worker_id, status, error)
        if not self.settings.keep_work_folders:
            shutil.rmtree(self.folder, ignore_errors=True)
        return status

    def _unpack(self, artifacts: ArtifactRepository) -> Path:
        archive = artifacts.download(SNAPSHOT_ARTIFACT, self.folder / "snapshot.tar.gz")
        source = extract_archive(archive, self.folder / "src")
        if not (source / self.job.script).is_file():
            raise InvalidState(f"script: {self.job.script!r} is not in the job's snapshot", field="script")
        return source

    def _environment(self, artifacts: ArtifactRepository, output: _Output) -> str:
        build_log: list[str] = []

        def log(line: str) -> None:
            build_log.append(line)
            output.write(line)

        try:
            return environments.python_for(
                self.job.environment_kind, self.job.environment, log, self.settings.env_cache
            )
        finally:
            with contextlib.suppress(CarnetError):
                artifacts.log_bytes("".join(build_log).encode("utf-8"), ENVIRONMENT_LOG)
            output.flush()

    def _environment_variables(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            CARNET_RUN_ID=self.job.run_id,
            CARNET_JOB_ID=self.job.job_id,
            CARNET_TRACKING_URI=self.location.server_url or self.location.tracking_uri,
            CARNET_ARTIFACT_ROOT=self.location.artifact_root,
            PYTHONUNBUFFERED="1",
        )
        env.pop("CARNET_EXPERIMENT_NAME", None)
        return env

    def _execute(
        self, python: str, source: Path, output: _Output, heartbeat: _Heartbeat
    ) -> tuple[JobStatus, str | None]:
        command = [python, "-u", "-c", _LAUNCHER, self.job.script, *self.job.arguments]
        process = subprocess.Popen(
            command,
            cwd=source,
            env=self._environment_variables(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a cancel stops everything it started
        )
        reader = threading.Thread(target=self._read, args=(process, output), daemon=True)
        reader.start()
        stopped = False
        while True:
            try:
                process.wait(self.settings.log_flush_seconds)  # returns as soon as the script ends
                break
            except subprocess.TimeoutExpired:
                pass
            if heartbeat.stop.is_set() and not stopped:
                stopped = True
                _stop(process)
            with contextlib.suppress(CarnetError):
                output.flush()
        reader.join(10)
        code = process.returncode
        if stopped:
            return JobStatus.CANCELED, "canceled while running"
        if code == 0:
            return JobStatus.COMPLETED, None
        tail = "".join(output.tail).rstrip()
        return JobStatus.FAILED, f"the script exited with code {code}; the end of its output:\n{tail}"

    @staticmethod
    def _read(process: subprocess.Popen[bytes], output: _Output) -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            output.write(raw.decode("utf-8", errors="replace"))
        process.stdout.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, SIGKILL it if it is still there after a grace period."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
