"""The supervisor: one ``carnet serve`` process per deployment, kept running.

Every ``interval`` seconds it compares the endpoints in the store with the processes it runs:
it starts what is missing (the model is loaded in the child, never here), marks a process Ready
once ``/ping`` answers, restarts one that died (at once the first time, then with back-off), marks
a deployment Failed with the reason when its model cannot load (the last ``Error:`` line of the
process's log) and keeps retrying with back-off, stops what was deleted, and redeploys when the
alias or stage a deployment follows moves: the new version starts beside the old one, which keeps
answering until the new one is Ready.

When several server processes share one endpoints folder, a lock file makes one of them the
supervisor; the others only route requests by the state it records in the store.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from carnet.deploy.resolve import resolve_model_uri
from carnet.entities import DeploymentStatus, Endpoint
from carnet.exceptions import CarnetError
from carnet.store.endpoints import DeploymentState, EndpointStore, check_name
from carnet.store.registry import RegistryStore

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
CRASH_WINDOW = 30.0  # a process that dies this soon after it was Ready is crash-looping: back off
LOG_TAIL_BYTES = 8192


@dataclass
class _Process:
    popen: subprocess.Popen[bytes]
    port: int
    resolved_uri: str
    log_offset: int
    ready: bool = False
    ready_at: float = 0.0


@dataclass
class _Slot:
    """What the supervisor runs for one deployment."""

    model_uri: str
    current: _Process | None = None
    following: _Process | None = None  # a new version starting beside the current one
    restarts: int = 0
    failures: int = 0  # starts or runs that failed in a row (the back-off grows with them)
    load_failed: bool = False  # the last start ended before the model was loaded: Failed
    retry_at: float = 0.0
    message: str = ""
    recorded: DeploymentState | None = None
    seen: set[str] = field(default_factory=set)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_path(logs_dir: Path, endpoint: str, deployment: str) -> Path:
    """Where a deployment's processes write; names are checked, so the path stays in ``logs_dir``."""
    return logs_dir / check_name(endpoint) / f"{check_name(deployment, 'deployment')}.log"


def read_log(logs_dir: Path, endpoint: str, deployment: str, tail_bytes: int) -> str:
    path = log_path(logs_dir, endpoint, deployment)
    if not path.is_file():
        return ""
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(size - tail_bytes, 0))
        return handle.read().decode("utf-8", errors="replace")


class Supervisor:
    """Keeps the scoring processes of ``store``'s endpoints running (see the module docstring).

    ``child_env`` is added to the environment of each ``carnet serve`` process: at least
    ``CARNET_TRACKING_URI`` (the store's database, so ``models:/`` URIs resolve there) and
    ``CARNET_ARTIFACT_ROOT``.
    """

    def __init__(
        self,
        endpoints: EndpointStore,
        registry: RegistryStore,
        logs_dir: str | os.PathLike[str],
        child_env: dict[str, str],
        *,
        interval: float = 0.5,
        host: str = "127.0.0.1",
    ) -> None:
        self.endpoints = endpoints
        self.registry = registry
        self.logs_dir = Path(logs_dir)
        self.child_env = dict(child_env)
        self.interval = interval
        self.host = host
        self._slots: dict[tuple[str, str], _Slot] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: IO[bytes] | None = None

    # -- life cycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="carnet-endpoint-supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop supervising and end every scoring process this supervisor started."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        for slot in self._slots.values():
            for process in (slot.current, slot.following):
                if process is not None:
                    _terminate(process)
        self._slots.clear()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._hold_lock():
                try:
                    self.tick()
                except Exception:  # a database hiccup must not end supervision
                    log.exception("endpoint supervisor: a round failed; trying again")
            self._stop.wait(self.interval)

    def _hold_lock(self) -> bool:
        if self._lock_file is not None:
            return True
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: one server process supervises
            self._lock_file = open(os.devnull, "rb")  # noqa: SIM115
            return True
        handle = (self.logs_dir / ".supervisor.lock").open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    # -- one round ----------------------------------------------------------------------------------

    def tick(self) -> None:
        """Bring the processes in line with the store once."""
        wanted: dict[tuple[str, str], tuple[Endpoint, Any]] = {}
        for endpoint in self.endpoints.list_endpoints():
            for deployment in endpoint.deployments:
                wanted[(endpoint.name, deployment.name)] = (endpoint, deployment)
        for key in [k for k in self._slots if k not in wanted]:
            self._drop(key)
        for key, (_, deployment) in wanted.items():
            slot = self._slots.get(key)
            if slot is None or slot.model_uri != deployment.model_uri:
                if slot is not None:
                    self._drop(key)
                slot = self._slots[key] = _Slot(deployment.model_uri)
            self._tend(key, slot)

    def _drop(self, key: tuple[str, str]) -> None:
        slot = self._slots.pop(key)
        for process in (slot.current, slot.following):
            if process is not None:
                _terminate(process)

    def _tend(self, key: tuple[str, str], slot: _Slot) -> None:
        now = time.monotonic()
        try:
            resolved: str | None = resolve_model_uri(slot.model_uri, self.registry)
        except CarnetError as exc:
            resolved = None
            slot.message = f"cannot resolve {slot.model_uri}: {exc.message}"
        self._watch_current(key, slot, now)
        self._watch_following(key, slot)
        if resolved is not None:
            if slot.current is None and now >= slot.retry_at:
                slot.current = self._launch(key, resolved)
            elif (
                slot.current is not None
                and slot.current.resolved_uri != resolved
                and (slot.following is None or slot.following.resolved_uri != resolved)
                and now >= slot.retry_at
            ):
                if slot.following is not None:
                    _terminate(slot.following)
                slot.following = self._launch(key, resolved)
        self._record(key, slot, resolved)

    def _watch_current(self, key: tuple[str, str], slot: _Slot, now: float) -> None:
        process = slot.current
        if process is None:
            return
        if process.popen.poll() is not None:
            slot.current = None
            if process.ready:  # it was serving and died: start it again (at once, unless it keeps dying)
                slot.restarts += 1
                slot.message = f"the scoring process exited with {process.popen.returncode}; restarted"
                slot.failures = slot.failures + 1 if now - process.ready_at < CRASH_WINDOW else 0
                slot.retry_at = now + (min(2.0 ** (slot.failures - 1), MAX_BACKOFF) if slot.failures else 0.0)
            else:
                self._failed_start(key, slot, process)
            if slot.following is not None and slot.following.ready:
                slot.current, slot.following = slot.following, None
            return
        if not process.ready and self._ping(process):
            process.ready, process.ready_at = True, now
            slot.load_failed = False
            if not slot.restarts:
                slot.message = ""

    def _watch_following(self, key: tuple[str, str], slot: _Slot) -> None:
        process = slot.following
        if process is None:
            return
        if process.popen.poll() is not None:
            slot.following = None
            self._failed_start(key, slot, process)
            slot.message = f"redeploying to {process.resolved_uri} failed: {slot.message}"
            return
        if self._ping(process):
            process.ready, process.ready_at = True, time.monotonic()
            old, slot.current, slot.following = slot.current, process, None
            slot.failures, slot.load_failed = 0, False
            slot.message = ""
            if old is not None:
                _terminate(old)

    def _failed_start(self, key: tuple[str, str], slot: _Slot, process: _Process) -> None:
        slot.failures += 1
        slot.load_failed = True
        slot.retry_at = time.monotonic() + min(2.0 ** (slot.failures - 1), MAX_BACKOFF)
        slot.message = self._reason(key, process)

    def _reason(self, key: tuple[str, str], process: _Process) -> str:
        path = log_path(self.logs_dir, *key)
        try:
            with path.open("rb") as handle:
                handle.seek(max(process.log_offset, path.stat().st_size - LOG_TAIL_BYTES))
                text = handle.read().decode("utf-8", errors="replace")
        except OSError:
            text = ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("Error:")]
        detail = errors[-1] if errors else (lines[-1] if lines else "no output")
        return f"the model did not load (exit code {process.popen.returncode}): {detail}"

    def _launch(self, key: tuple[str, str], resolved: str) -> _Process:
        port = free_port()
        path = log_path(self.logs_dir, *key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as handle:
            offset = handle.tell()
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            handle.write(f"== {stamp} starting {resolved} on port {port}\n".encode())
            handle.flush()
            command = [
                sys.executable,
                "-m",
                "carnet",
                "serve",
                resolved,
                "--host",
                self.host,
                "--port",
                str(port),
            ]
            env = {**os.environ, **self.child_env, "PYTHONUNBUFFERED": "1"}
            popen = subprocess.Popen(
                command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        return _Process(popen, port, resolved, offset)

    def _ping(self, process: _Process) -> bool:
        try:
            return httpx.get(f"http://{self.host}:{process.port}/ping", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def _record(self, key: tuple[str, str], slot: _Slot, resolved: str | None) -> None:
        current = slot.current
        if current is not None and current.ready:
            state = DeploymentState(
                DeploymentStatus.READY,
                slot.message,
                current.resolved_uri,
                current.port,
                current.popen.pid,
                slot.restarts,
            )
        elif current is not None:
            state = DeploymentState(
                DeploymentStatus.STARTING,
                f"loading {current.resolved_uri}",
                current.resolved_uri,
                None,
                current.popen.pid,
                slot.restarts,
            )
        elif slot.load_failed or resolved is None:
            state = DeploymentState(
                DeploymentStatus.FAILED, slot.message, resolved, None, None, slot.restarts
            )
        else:
            state = DeploymentState(
                DeploymentStatus.PENDING, slot.message, resolved, None, None, slot.restarts
            )
        if state != slot.recorded:
            self.endpoints.record_deployment_state(key[0], key[1], state)
            slot.recorded = state


def _terminate(process: _Process) -> None:
    if process.popen.poll() is None:
        process.popen.terminate()
        try:
            process.popen.wait(10)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(5)
