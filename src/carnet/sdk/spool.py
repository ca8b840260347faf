"""The local spool: where log batches wait while their carnet server cannot be reached.

When a flush to a server fails after the REST client's retries, the batch is appended to a spool
file -- one JSON line per record, written with flush + fsync -- and that run's later batches go
there too, in order, until the server answers again. The next flush (or ``carnet sync``) uploads
the spooled records in order, with their original batch ids (so a batch that did reach the server
before is stored once), then removes them from the file (rewritten atomically).

Records: ``{"id", "server_url", "run_id", "kind": "batch", "batch": <LogBatchRequest JSON>}`` and
``{"id", "server_url", "run_id", "kind": "status", "status", "end_time"}`` (the run's final status,
applied after its batches). One file per server URL (its hash) under ``$CARNET_SPOOL_DIR`` or
``~/.carnet/spool/``. Only remote (``http(s)``) stores spool; the embedded stores never do.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carnet.entities import RunStatus
from carnet.exceptions import CarnetError, RunNotActive, StoreError
from carnet.store.base import LogBatch, TrackingStore
from carnet.store.rest.store import RestTrackingStore, batch_from_wire, batch_to_wire

ENV_SPOOL_DIR = "CARNET_SPOOL_DIR"

try:  # a lock between processes (a running script and ``carnet sync``); POSIX only
    import fcntl
except ImportError:  # pragma: no cover - Windows: the in-process lock only
    fcntl = None  # type: ignore[assignment]


def spool_dir() -> Path:
    configured = os.environ.get(ENV_SPOOL_DIR)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".carnet" / "spool"


def spool_path(server_url: str, folder: Path | None = None) -> Path:
    digest = hashlib.sha256(server_url.rstrip("/").encode()).hexdigest()[:16]
    return (folder or spool_dir()) / f"{digest}.jsonl"


@dataclass
class DrainResult:
    """What one drain did: records uploaded, records the server refused (dropped), records left."""

    uploaded: int = 0
    refused: list[CarnetError] = field(default_factory=list)
    left: int = 0


_locks: dict[Path, threading.Lock] = {}
_locks_lock = threading.Lock()


class Spool:
    """The spool file of one server. Thread-safe, and safe against another process using it."""

    def __init__(self, server_url: str, path: Path | None = None) -> None:
        self.server_url = server_url.rstrip("/")
        self.path = path or spool_path(self.server_url)
        with _locks_lock:
            self._lock = _locks.setdefault(self.path.resolve(), threading.Lock())

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_name(self.path.name + ".lock"), "a") as lock_file:
                if fcntl is not None:
                    fcntl.flock(lock_file, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    if fcntl is not None:
                        fcntl.flock(lock_file, fcntl.LOCK_UN)

    # -- writing -----------------------------------------------------------------------------

    def _append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n"
        with self._locked(), open(self.path, "a", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())

    def append_batch(self, run_id: str, batch: LogBatch) -> None:
        self._append(
            {
                "id": batch.batch_id or uuid.uuid4().hex,
                "server_url": self.server_url,
                "run_id": run_id,
                "kind": "batch",
                "batch": batch_to_wire(batch),
            }
        )

    def append_status(self, run_id: str, status: RunStatus, end_time: int | None) -> None:
        self._append(
            {
                "id": uuid.uuid4().hex,
                "server_url": self.server_url,
                "run_id": run_id,
                "kind": "status",
                "status": RunStatus.parse(status).value,
                "end_time": end_time,
            }
        )

    # -- reading and draining ----------------------------------------------------------------

    def records(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """The spooled records (of one run, or all), oldest first."""
        with self._locked():
            return [r for r in self._read() if run_id is None or r.get("run_id") == run_id]

    def _read(self) -> list[dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        records = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:  # a line cut short by a crash mid-write: it was never acknowledged
                continue
        return records

    def _remove(self, ids: set[str]) -> None:
        with self._locked():
            kept = [r for r in self._read() if r.get("id") not in ids]
            if not kept:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                return
            tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
            with open(tmp, "w", encoding="utf-8") as out:
                for record in kept:
                    out.write(json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)

    def drain(
        self,
        store: TrackingStore,
        run_id: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> DrainResult:
        """Upload the spooled records (of one run, or all) in order, then remove them.

        Raises :class:`StoreError` when the server still cannot be reached (what was uploaded
        before is removed; the rest stays, in order). A record the server refuses for good is
        dropped and returned in ``refused``.
        """
        pending = self.records(run_id)
        done: set[str] = set()
        result = DrainResult()
        try:
            for record in pending:
                try:
                    _apply(store, record)
                except StoreError:
                    raise
                except RunNotActive as exc:
                    if record.get("kind") != "status":  # an ended run takes no more batches
                        result.refused.append(exc)
                except CarnetError as exc:
                    result.refused.append(exc)
                else:
                    result.uploaded += 1
                done.add(str(record.get("id")))
                if progress is not None:
                    progress(1)
        finally:
            if done:
                self._remove(done)
            result.left = len(pending) - len(done)
        return result


def _apply(store: TrackingStore, record: dict[str, Any]) -> None:
    kind = record.get("kind")
    if kind == "batch":
        store.log_batch(str(record["run_id"]), batch_from_wire(record["batch"]))
    elif kind == "status":
        store.update_run(
            str(record["run_id"]), status=RunStatus.parse(record["status"]), end_time=record.get("end_time")
        )
    else:
        raise CarnetError(f"unknown spool record kind {kind!r}")


def spool_for(store: TrackingStore) -> Spool | None:
    """The spool of a remote store; ``None`` for the embedded stores (they never spool)."""
    if isinstance(store, RestTrackingStore):
        return Spool(store.server_url)
    return None


def spool_files(folder: Path | None = None) -> list[Path]:
    folder = folder or spool_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.jsonl") if p.is_file())


def server_of(path: Path) -> str | None:
    """The server URL a spool file belongs to (from its first readable record)."""
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                with contextlib.suppress(ValueError):
                    url = json.loads(line).get("server_url")
                    if url:
                        return str(url)
    except FileNotFoundError:
        return None
    return None
