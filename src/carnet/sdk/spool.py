"""The local spool: where log batches wait while their carnet server cannot be reached.

When a flush to a server fails after the REST client's retries, the batch is appended to a spool
file -- one JSON line per record, written with flush + fsync -- and that run's later batches go
there too, in order, until the server answers again. The next flush (or ``carnet sync``) uploads
the spooled records in order, with their original batch ids (so a batch that did reach the server
before is stored once), then removes them from the file (rewritten atomically).

Records: ``{"id", "server_url", "run_id", "kind": "batch", "batch": <LogBatchRequest JSON>}`` and
``{"id", "server_url", "run_id", "kind": "status", "status", "end_time", "run_name"?, "description"?}``
(the run's final status, applied after its batches). In offline mode (:mod:`carnet.sdk.offline`)
two more come first: ``{"kind": "experiment", "name", "artifact_location", "tags"}`` (created at
sync time unless it exists) and ``{"kind": "run", "run": <NewRun fields, run_id included>,
"experiment_name"}`` (the run, created with its client-side id in the experiment of that name, or
in ``experiment_id``). An offline run's files wait in ``files/<run id>/`` next to the spool file
and are uploaded to the run's ``artifact_uri`` just before its final status.

One file per server URL (its hash) under ``$CARNET_SPOOL_DIR`` or ``~/.carnet/spool/``. Only remote
(``http(s)``) stores spool; the embedded stores never do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carnet.entities import RunStatus
from carnet.exceptions import AlreadyExists, CarnetError, Conflict, RunNotActive, StoreError
from carnet.store.base import LogBatch, NewRun, TrackingStore
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

    def append_status(
        self,
        run_id: str,
        status: RunStatus | None,
        end_time: int | None,
        *,
        run_name: str | None = None,
        description: str | None = None,
    ) -> None:
        record: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "server_url": self.server_url,
            "run_id": run_id,
            "kind": "status",
            "status": RunStatus.parse(status).value if status is not None else None,
            "end_time": end_time,
        }
        if run_name is not None:
            record["run_name"] = run_name
        if description is not None:
            record["description"] = description
        self._append(record)

    def append_experiment(self, name: str, artifact_location: str | None, tags: dict[str, str]) -> None:
        self._append(
            {
                "id": uuid.uuid4().hex,
                "server_url": self.server_url,
                "run_id": None,
                "kind": "experiment",
                "name": name,
                "artifact_location": artifact_location,
                "tags": tags,
            }
        )

    def append_run(self, new: NewRun, experiment_name: str | None) -> None:
        """A run created offline: ``new.run_id`` is set (the id it keeps on the server)."""
        assert new.run_id is not None
        self._append(
            {
                "id": uuid.uuid4().hex,
                "server_url": self.server_url,
                "run_id": new.run_id,
                "kind": "run",
                "run": dataclasses.asdict(new),
                "experiment_name": experiment_name,
            }
        )

    def files_folder(self, run_id: str) -> Path:
        """Where the files of a run created offline wait for ``carnet sync``."""
        return self.path.parent / "files" / run_id

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
        dropped and returned in ``refused`` -- except a run created offline that the server
        refuses (e.g. its experiment is deleted): that run's records all stay, to sync once fixed.
        """
        pending = self.records(run_id)
        done: set[str] = set()
        kept_runs: set[str] = set()
        result = DrainResult()
        try:
            for record in pending:
                if record.get("run_id") in kept_runs:
                    continue
                try:
                    _apply(store, record, self)
                except StoreError:
                    raise
                except RunNotActive as exc:
                    if record.get("kind") != "status":  # an ended run takes no more batches
                        result.refused.append(exc)
                except CarnetError as exc:
                    result.refused.append(exc)
                    if record.get("kind") == "run":
                        kept_runs.add(str(record.get("run_id")))
                        continue
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


def _apply(store: TrackingStore, record: dict[str, Any], spool: Spool) -> None:
    kind = record.get("kind")
    if kind == "batch":
        store.log_batch(str(record["run_id"]), batch_from_wire(record["batch"]))
    elif kind == "status":
        run_id = str(record["run_id"])
        status = RunStatus.parse(record["status"]) if record.get("status") else None
        if status is not None and status.is_terminal:
            _upload_files(store, run_id, spool.files_folder(run_id))
        store.update_run(
            run_id,
            status=status,
            end_time=record.get("end_time"),
            run_name=record.get("run_name"),
            description=record.get("description"),
        )
    elif kind == "run":
        _create_run(store, record)
    elif kind == "experiment":
        _experiment_id(store, str(record["name"]), record.get("artifact_location"), record.get("tags"))
    else:
        raise CarnetError(f"unknown spool record kind {kind!r}")


def _experiment_id(
    store: TrackingStore, name: str, artifact_location: str | None = None, tags: dict[str, str] | None = None
) -> str:
    """The id of the experiment ``name``, created if it does not exist yet."""
    info = store.get_experiment_by_name(name)
    if info is not None:
        return info.experiment_id
    with contextlib.suppress(AlreadyExists):  # created meanwhile by another client
        return store.create_experiment(name, artifact_location, tags or {})
    info = store.get_experiment_by_name(name)
    if info is None:
        raise StoreError(f"experiment {name!r} could not be created")
    return info.experiment_id


def _create_run(store: TrackingStore, record: dict[str, Any]) -> None:
    fields = dict(record["run"])
    experiment_name = record.get("experiment_name")
    if experiment_name:
        fields["experiment_id"] = _experiment_id(store, str(experiment_name))
    new = NewRun(**fields)
    try:
        store.create_run(new)
    except AlreadyExists:
        # Created by an earlier sync whose answer, or whose removal from the spool, was lost.
        existing = store.get_run(str(new.run_id)).info
        if existing.start_time != new.start_time or existing.experiment_id != new.experiment_id:
            raise Conflict(
                f"run id {new.run_id} is taken on the server by another run", field="run_id"
            ) from None


def _upload_files(store: TrackingStore, run_id: str, folder: Path) -> None:
    """Copy the files of a run logged offline to its ``artifact_uri`` (overwriting: a retry is
    harmless), then drop the local copy."""
    if not folder.is_dir():
        return
    uri = store.get_run(run_id).info.artifact_uri
    try:
        store.artifact_repository(uri).log_folder(folder)
    except OSError as exc:
        raise StoreError(f"could not upload the files of run {run_id} from {folder} to {uri}: {exc}") from exc
    shutil.rmtree(folder, ignore_errors=True)


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


def waiting_files(folder: Path | None = None) -> list[Path]:
    """The folders of run files logged offline whose run has not ended (or not been synced) yet."""
    files = (folder or spool_dir()) / "files"
    return sorted(p for p in files.iterdir() if p.is_dir()) if files.is_dir() else []


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
