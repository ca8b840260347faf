"""``Worker``: takes jobs from the queue and runs them, up to ``concurrency`` at a time.

Each pass it claims a job of its compute targets (the store guarantees no two workers get the
same one), runs it in a thread (a local process, or a Ray job for a ``ray`` target), and now and
then reaps jobs whose worker went quiet (see ``JobStore.reap_jobs``): any worker can reap for
any other, so one dead worker never leaves a job Running for ever.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from carnet.config import Location
from carnet.entities import ComputeTarget, Job, JobStatus
from carnet.exceptions import CarnetError, InvalidArgument
from carnet.jobs.runner import LocalRunner, RunnerSettings
from carnet.store.base import TrackingStore
from carnet.store.jobs import LOCAL_TARGET, job_store

DEFAULT_POLL_SECONDS = 0.2
DEFAULT_STALE_AFTER_SECONDS = 30.0


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Worker:
    """A job worker on ``store`` (reached at ``location``, which the jobs' scripts are told).

    Args:
        computes: the compute targets whose jobs it takes (default: ``local``).
        concurrency: jobs it runs at once.
        stale_after_seconds: a job whose worker sent no heartbeat for this long is reaped.
        heartbeat_seconds: how often it tells the store it is alive (default: a fifth of
            ``stale_after_seconds``, at most 2 s).
        work_root: where jobs are unpacked (default: a temporary folder).
        parent_pid: stop (as :meth:`stop` does) once this process is gone (``carnet server``
            passes its own, so its workers never outlive it).
        report: called with a line when a job starts and when it ends (``carnet worker`` prints it).
    """

    def __init__(
        self,
        store: TrackingStore,
        location: Location,
        *,
        computes: Sequence[str] = (LOCAL_TARGET,),
        concurrency: int = 1,
        worker_id: str | None = None,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        heartbeat_seconds: float | None = None,
        stale_after_seconds: float = DEFAULT_STALE_AFTER_SECONDS,
        work_root: str | os.PathLike[str] | None = None,
        env_cache: str | os.PathLike[str] | None = None,
        parent_pid: int | None = None,
        report: Callable[[str], None] | None = None,
    ) -> None:
        if concurrency < 1:
            raise InvalidArgument("concurrency: must be at least 1", field="concurrency")
        if not computes:
            raise InvalidArgument("computes: name at least one compute target", field="computes")
        self.store = store
        self.jobs = job_store(store)
        self.location = location
        self.computes = list(computes)
        self.targets: dict[str, ComputeTarget] = {
            name: self.jobs.get_compute_target(name) for name in computes
        }
        self.concurrency = concurrency
        self.worker_id = worker_id or new_worker_id()
        self.poll_seconds = poll_seconds
        self.stale_after_seconds = stale_after_seconds
        root = Path(work_root) if work_root else Path(tempfile.mkdtemp(prefix="carnet-worker-"))
        self.settings = RunnerSettings(
            work_root=root,
            heartbeat_seconds=heartbeat_seconds or min(2.0, stale_after_seconds / 5),
            env_cache=Path(env_cache) if env_cache else None,
        )
        self.parent_pid = parent_pid
        self.report = report
        self._stop = threading.Event()
        self._wake = threading.Event()  # set when a job ends or on stop: look at the queue now
        self._running: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self.finished: list[tuple[str, JobStatus]] = []

    def stop(self) -> None:
        """Take no more jobs; :meth:`run` returns once the running ones end."""
        self._stop.set()
        self._wake.set()

    def run(self, *, max_jobs: int | None = None, until_idle: bool = False) -> None:
        """Take and run jobs until :meth:`stop` (or ``max_jobs`` were taken, or, with
        ``until_idle``, the queue is empty and nothing runs)."""
        taken = 0
        next_reap = 0.0
        while not self._stop.is_set():
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                self.stop()
                break
            now = time.monotonic()
            if now >= next_reap:
                self._reap()
                next_reap = now + max(1.0, self.stale_after_seconds / 3)
            job = None
            if self._active() < self.concurrency and (max_jobs is None or taken < max_jobs):
                job = self._claim()
            if job is not None:
                taken += 1
                self._start(job)
                continue
            if ((max_jobs is not None and taken >= max_jobs) or until_idle) and self._active() == 0:
                break
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
        self._join()

    def _claim(self) -> Job | None:
        try:
            return self.jobs.claim_job(self.worker_id, self.computes)
        except CarnetError:
            return None  # the store is briefly unreachable: try again at the next pass

    def _reap(self) -> None:
        with contextlib.suppress(CarnetError):
            self.jobs.reap_jobs(int(self.stale_after_seconds * 1000))

    def _active(self) -> int:
        with self._lock:
            for job_id in [j for j, t in self._running.items() if not t.is_alive()]:
                del self._running[job_id]
            return len(self._running)

    def _start(self, job: Job) -> None:
        thread = threading.Thread(target=self._run_one, args=(job,), name=f"carnet-job-{job.job_id[:8]}")
        with self._lock:
            self._running[job.job_id] = thread
        thread.start()

    def _run_one(self, job: Job) -> None:
        started = time.monotonic()
        if self.report:
            self.report(f"job {job.job_id[:8]}: {' '.join([job.script, *job.arguments])} on {job.compute}")
        target = self.targets.get(job.compute)
        if target is not None and target.kind == "ray":
            from carnet.jobs.ray_target import RayRunner

            status = RayRunner(self.store, self.location, job, self.worker_id, self.settings, target).run()
        else:
            status = LocalRunner(self.store, self.location, job, self.worker_id, self.settings).run()
        with self._lock:
            self.finished.append((job.job_id, status))
        self._wake.set()
        if self.report:
            self.report(f"job {job.job_id[:8]}: {status.value} after {time.monotonic() - started:.1f} s")

    def _join(self) -> None:
        with self._lock:
            threads = list(self._running.values())
        for thread in threads:
            thread.join()
