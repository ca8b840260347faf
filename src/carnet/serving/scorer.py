"""One loaded model behind the scoring app: input checks, the prediction method, micro-batching.

Concurrent small requests are merged into one model call: a request waits in a queue, the batcher
takes everything queued (waiting at most ``max_wait`` for company), concatenates the tables, calls
the model once in a worker thread and hands each request its slice of the answer. While one call
runs, the next requests queue up, so under load batches grow by themselves and at low load a lone
request pays at most ``max_wait``. When a merged call fails, each request is scored alone, so an
error is reported to the request that caused it and never to its neighbours.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from carnet.exceptions import InvalidValue
from carnet.models.enforce import enforce_schema
from carnet.models.schema import ColSpec, Schema
from carnet.serving import trees
from carnet.serving.metrics import ScoringMetrics

METHODS = ("predict", "predict_proba")
MAX_BATCHED_ROWS = 64  # requests up to this many rows are merged; larger ones are a batch already


@dataclass
class _Pending:
    frame: pd.DataFrame
    method: str
    future: asyncio.Future[Any]


class Scorer:
    """A pyfunc model (anything with ``predict`` and ``metadata``) ready to answer requests."""

    def __init__(
        self,
        model: Any,
        *,
        max_wait: float = 0.002,
        max_batch_rows: int = 1024,
        threads: int = 2,
        metrics: ScoringMetrics | None = None,
    ) -> None:
        self.model = model
        signature = getattr(model.metadata, "signature", None)
        self.input_schema: Schema | None = signature.inputs if signature is not None else None
        self.max_wait = max_wait
        self.max_batch_rows = max_batch_rows
        self.metrics = metrics or ScoringMetrics()
        self.forest = trees.forest_of(model) if hasattr(model, "get_raw_model") else None
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="carnet-scoring")
        self._queue: asyncio.Queue[_Pending] | None = None
        self._batcher: asyncio.Task[None] | None = None

    # -- checks -----------------------------------------------------------------------------------

    def method(self, name: str | None) -> str:
        method = name or "predict"
        if method not in METHODS:
            raise InvalidValue(f"method: {method!r} is not one of {', '.join(METHODS)}", field="method")
        if method != "predict" and not _has(self.model, method):
            raise InvalidValue(f"method: this model has no {method}", field="method")
        return method

    def check_columns(self, data: Any) -> Any:
        """Refuse missing and unknown columns by name (the model's own checks convert types)."""
        schema = self.input_schema
        if schema is None or schema.is_tensor or not isinstance(data, pd.DataFrame):
            return data
        specs = [s for s in schema.specs if isinstance(s, ColSpec) and s.name is not None]
        if not specs:
            return data
        if not data.columns.empty and all(isinstance(c, int) for c in data.columns):
            if data.shape[1] != len(specs):  # an unnamed table (instances as rows): match by position
                raise InvalidValue(
                    f"model_input: rows have {data.shape[1]} values; the model takes {len(specs)} columns "
                    f"{[s.name for s in specs]}",
                    field="model_input",
                )
            data = data.set_axis([str(s.name) for s in specs], axis=1)
        names = {str(s.name) for s in specs}
        present = {str(c) for c in data.columns}
        missing = [str(s.name) for s in specs if s.required and str(s.name) not in present]
        if missing:
            raise InvalidValue(
                f"model_input: missing column(s) {', '.join(repr(m) for m in missing)} required by the "
                "model's signature",
                field=missing[0],
            )
        extra = sorted(present - names)
        if extra:
            raise InvalidValue(
                f"model_input: column(s) {', '.join(repr(e) for e in extra)} are not in the model's "
                f"signature (it takes {', '.join(str(s.name) for s in specs)})",
                field=extra[0],
            )
        return data

    # -- scoring ----------------------------------------------------------------------------------

    def call(self, data: Any, method: str, params: dict[str, Any] | None = None) -> Any:
        """One model call, synchronously (in whatever thread calls it)."""
        if self.forest is not None and not params:
            fast = self._compiled(data, method, self.forest)
            if fast is not None:
                return fast
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dropped-column warnings cannot happen: checked above
            if method == "predict":
                if params:
                    return self.model.predict(data, params=params)
                return self.model.predict(data)
            return getattr(self.model, method)(data)

    def _compiled(self, data: Any, method: str, forest: trees.CompiledForest) -> Any:
        """The compiled forest's answer (the same as scikit-learn's), or None to ask scikit-learn."""
        if not isinstance(data, pd.DataFrame) or not 0 < len(data) <= trees.MAX_ROWS:
            return None
        if method == "predict_proba" and not forest.is_classifier:
            return None
        schema = self.input_schema
        frame = enforce_schema(data, schema) if schema is not None and not schema.is_tensor else data
        X = trees.as_features(frame, forest)
        if X is None:
            return None
        return forest.predict(X) if method == "predict" else forest.predict_proba(X)

    async def score(self, data: Any, method: str, params: dict[str, Any]) -> Any:
        """Predictions for one request: merged with others when it is a small table."""
        loop = asyncio.get_running_loop()
        if isinstance(data, pd.DataFrame) and not params and 0 < len(data) <= MAX_BATCHED_ROWS:
            queue = self._ensure_batcher()
            future: asyncio.Future[Any] = loop.create_future()
            queue.put_nowait(_Pending(data, method, future))
            return await future
        rows = len(data) if isinstance(data, (pd.DataFrame, np.ndarray)) else 1
        self.metrics.batch_size.observe(rows)
        return await loop.run_in_executor(self._pool, self.call, data, method, params)

    def _ensure_batcher(self) -> asyncio.Queue[_Pending]:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._batcher = asyncio.get_running_loop().create_task(self._run_batches(self._queue))
        return self._queue

    async def _run_batches(self, queue: asyncio.Queue[_Pending]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            rows = len(batch[0].frame)
            deadline = time.monotonic() + self.max_wait
            while rows < self.max_batch_rows:
                if queue.empty():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    with contextlib.suppress(asyncio.TimeoutError):
                        batch.append(await asyncio.wait_for(queue.get(), left))
                        rows += len(batch[-1].frame)
                    continue
                batch.append(queue.get_nowait())
                rows += len(batch[-1].frame)
            for group in _groups(batch):
                try:
                    await loop.run_in_executor(self._pool, self._score_group, group)
                except Exception as exc:  # the pool itself failed: fail the requests, keep serving
                    _fail(group, exc)

    def _score_group(self, group: list[_Pending]) -> None:
        """Score requests with the same method and columns in one call (runs in a worker thread)."""
        loop = group[0].future.get_loop()
        self.metrics.batch_size.observe(sum(len(p.frame) for p in group))
        if len(group) > 1:
            try:
                merged = self.call(pd.concat([p.frame for p in group], ignore_index=True), group[0].method)
                parts = _split(merged, [len(p.frame) for p in group])
            except Exception:
                parts = None  # one request spoiled the batch: find which, below
            if parts is not None:
                for pending, part in zip(group, parts, strict=True):
                    loop.call_soon_threadsafe(_resolve, pending.future, part, None)
                return
        for pending in group:
            try:
                result = self.call(pending.frame, pending.method)
            except Exception as exc:
                loop.call_soon_threadsafe(_resolve, pending.future, None, exc)
            else:
                loop.call_soon_threadsafe(_resolve, pending.future, result, None)

    def close(self) -> None:
        if self._batcher is not None:
            self._batcher.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _has(model: Any, method: str) -> bool:
    try:
        return callable(getattr(model, method))
    except AttributeError:
        return False


def _groups(batch: list[_Pending]) -> list[list[_Pending]]:
    groups: dict[tuple[str, tuple[Any, ...]], list[_Pending]] = {}
    for pending in batch:
        key = (pending.method, tuple(pending.frame.columns))
        groups.setdefault(key, []).append(pending)
    return list(groups.values())


def _split(predictions: Any, sizes: list[int]) -> list[Any] | None:
    """``predictions`` cut back into one piece per request, or None when its length does not match."""
    if isinstance(predictions, (pd.DataFrame, pd.Series)):
        cut: Callable[[int, int], Any] = lambda a, b: predictions.iloc[a:b]  # noqa: E731
    elif isinstance(predictions, (np.ndarray, list)):
        cut = lambda a, b: predictions[a:b]  # noqa: E731
    else:
        return None
    if len(predictions) != sum(sizes):
        return None
    out, start = [], 0
    for size in sizes:
        out.append(cut(start, start + size))
        start += size
    return out


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the client went away
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _fail(group: list[_Pending], exc: BaseException) -> None:
    for pending in group:
        _resolve(pending.future, None, exc)
