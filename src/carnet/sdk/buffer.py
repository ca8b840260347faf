"""Batched writes: a run never writes one row per ``log`` call.

Each run owns a :class:`RunBuffer`. Calls append to it (a few hundred nanoseconds); one
background thread per process flushes every buffer each ``FLUSH_INTERVAL`` seconds, and sooner
once a buffer holds ``FLUSH_ITEMS`` entries. ``flush()``, ``complete()`` and interpreter exit
flush too. Each flush is one :class:`LogBatch` with its own batch id, so a retried flush is stored
once. A flush that fails with a transient store error keeps its items and is retried; any other
error is raised to the caller at the next ``flush()`` (and never silently dropped).

With a remote store (a carnet server), a batch the server cannot take after the client's retries
goes to the local spool (:mod:`carnet.sdk.spool`) instead, and so do the run's later batches until
a flush finds the server again and uploads the spooled ones first, in order.
"""

from __future__ import annotations

import atexit
import contextlib
import sys
import threading
import time
import traceback
import weakref
from dataclasses import replace
from typing import Any

from carnet.entities import Metric, MetricKind, Param, RunInfo, RunStatus, RunTag
from carnet.exceptions import CarnetError, StoreError
from carnet.sdk.spool import spool_for
from carnet.store.base import LogBatch, MetricDeclaration, RecordWrite, TrackingStore
from carnet.utils import new_batch_id, now_ms

FLUSH_INTERVAL = 1.0
FLUSH_ITEMS = 10_000
# Past this many buffered items the caller flushes itself: memory stays bounded when logging
# outpaces the background thread.
MAX_BUFFERED = 200_000


class RunBuffer:
    """Pending writes of one run. Thread-safe."""

    def __init__(self, store: TrackingStore, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._metrics: list[Metric] = []
        self._params: list[Param] = []
        self._tags: list[RunTag] = []
        self._records: list[RecordWrite] = []
        self._declarations: list[MetricDeclaration] = []
        self._retry: LogBatch | None = None
        self._error: CarnetError | None = None
        self._spool = spool_for(store)
        # Whether this run has records in the spool: its later batches go there too, in order.
        self._spooling = self._spool is not None and bool(self._spool.records(run_id))
        _flusher.register(self)

    def __len__(self) -> int:
        return len(self._metrics) + len(self._params) + len(self._tags) + len(self._records)

    # -- producers (hot path) ----------------------------------------------------------------

    def add_metric(self, key: str, value: float, timestamp: int, step: int) -> None:
        # No lock on the hottest path: list.append is atomic, and _take only ever removes a
        # prefix it has copied, so an append racing with a flush lands in the next batch.
        metrics = self._metrics
        metrics.append(Metric(key, value, timestamp, step))
        if len(metrics) >= FLUSH_ITEMS:
            self._full()

    def add_metrics(self, items: list[Metric]) -> None:
        with self._lock:
            self._metrics.extend(items)
        if len(self._metrics) >= FLUSH_ITEMS:
            self._full()

    def add_param(self, key: str, value: str) -> None:
        with self._lock:
            self._params.append(Param(key, value))

    def add_tag(self, key: str, value: str) -> None:
        with self._lock:
            self._tags.append(RunTag(key, value))

    def declare(self, key: str, kind: MetricKind, description: str = "") -> None:
        with self._lock:
            self._declarations.append(MetricDeclaration(key, kind, description))

    def add_record(self, key: str, kind: MetricKind, payload: Any, timestamp: int) -> None:
        with self._lock:
            self._records.append(RecordWrite(key, kind, payload, timestamp))
        if len(self._records) >= FLUSH_ITEMS:
            self._full()

    def _full(self) -> None:
        if len(self) >= MAX_BUFFERED:
            self.flush()
        else:
            _flusher.wake()

    # -- flushing ----------------------------------------------------------------------------

    def _take(self) -> LogBatch:
        with self._lock:
            # Declarations and params go out with (or before) the metrics that need them.
            declarations, self._declarations = self._declarations, []
            params, self._params = self._params, []
            tags, self._tags = self._tags, []
            records, self._records = self._records, []
            count = len(self._metrics)
            metrics = self._metrics[:count]
            del self._metrics[:count]
        return LogBatch(
            metrics=metrics,
            params=params,
            tags=tags,
            records=records,
            declarations=declarations,
            batch_id=new_batch_id(),
        )

    def flush(self, *, raise_errors: bool = True) -> None:
        """Write everything buffered so far; raise a deferred error from an earlier background flush."""
        with self._flush_lock:
            if self._spooling:
                self._flush_spooled()
            else:
                if self._retry is not None:
                    batch, self._retry = self._retry, None
                    self._write(batch)
                batch = self._take()
                if batch:
                    self._write(batch)
        if raise_errors and self._error is not None:
            error, self._error = self._error, None
            raise error

    def _write(self, batch: LogBatch) -> None:
        try:
            self.store.log_batch(self.run_id, batch)
        except StoreError:
            if self._spool is not None:  # the server stays unreachable: keep the batch on disk
                self._spool.append_batch(self.run_id, batch)
                self._spooling = True
                return
            self._retry = batch  # same batch id: a resend is stored once
            raise
        except CarnetError as exc:
            self._error = exc

    def _flush_spooled(self) -> None:
        """Append what is buffered to the spool, then try to upload the run's spooled records."""
        assert self._spool is not None
        batch = self._take()
        if batch:
            self._spool.append_batch(self.run_id, batch)
        try:
            result = self._spool.drain(self.store, self.run_id)
        except StoreError:
            return  # still unreachable: everything stays spooled, in order
        self._spooling = False
        if result.refused and self._error is None:
            self._error = result.refused[0]

    def end_status(self, status: RunStatus, info: RunInfo) -> RunInfo | None:
        """For a remote run whose end cannot reach the server: spool the final status (applied
        after the spooled batches) and return the run info as it will be; ``None`` when the
        status should be written directly."""
        if self._spool is None:
            return None
        if not self._spooling:
            try:
                return self.store.update_run(self.run_id, status=status)
            except StoreError:
                pass
        end_time = now_ms()
        self._spool.append_status(self.run_id, status, end_time)
        self._spooling = True
        return replace(info, status=status, end_time=end_time)

    def background_flush(self) -> None:
        with contextlib.suppress(StoreError):  # kept in self._retry; the next flush tries again
            self.flush(raise_errors=False)

    def close(self) -> None:
        """Flush and stop tracking this buffer."""
        try:
            self.flush()
        finally:
            _flusher.unregister(self)


class _Flusher:
    """The one background thread that flushes every live buffer of the process."""

    def __init__(self) -> None:
        self._buffers: weakref.WeakSet[RunBuffer] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._event = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, buffer: RunBuffer) -> None:
        with self._lock:
            self._buffers.add(buffer)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="carnet-flush", daemon=True)
                self._thread.start()

    def unregister(self, buffer: RunBuffer) -> None:
        with self._lock:
            self._buffers.discard(buffer)

    def wake(self) -> None:
        self._event.set()

    def _loop(self) -> None:
        while True:
            self._event.wait(FLUSH_INTERVAL)
            self._event.clear()
            try:
                self.flush_all()
            except Exception:  # the thread must outlive any one failure, or no run would flush again
                traceback.print_exc()
            time.sleep(0)

    def flush_all(self) -> None:
        with self._lock:
            buffers = list(self._buffers)
        for buffer in buffers:
            if len(buffer) or buffer._retry is not None or buffer._spooling:
                buffer.background_flush()


_flusher = _Flusher()


def flush_all() -> None:
    """Flush every run buffer of this process; say on stderr what could not be written
    (called at interpreter exit, when there is no caller left to raise to)."""
    with _flusher._lock:
        buffers = list(_flusher._buffers)
    for buffer in buffers:
        try:
            buffer.flush()
        except CarnetError as exc:
            print(f"carnet: could not write to run {buffer.run_id}: {exc}", file=sys.stderr)


atexit.register(flush_all)
