"""Micro-batching in the scorer, with a model that records the size of each call: requests that
arrive while a call runs are merged into the next one, and each gets its own rows back."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import numpy as np
import pandas as pd

from carnet.models.mlmodel import Model
from carnet.serving import Scorer


class RecordingModel:
    """Predicts each row's ``x`` times ten; the first call waits until the test opens the gate."""

    def __init__(self) -> None:
        self.metadata = Model(flavors={"python_function": {}})
        self.sizes: list[int] = []
        self.gate = threading.Event()

    def predict(self, frame: pd.DataFrame) -> Any:
        if not self.sizes:
            self.gate.wait(30)
        self.sizes.append(len(frame))
        return frame["x"].to_numpy() * 10


def test_requests_queued_during_a_call_are_merged_into_the_next() -> None:
    model = RecordingModel()
    scorer = Scorer(model, max_wait=0.0)

    async def run() -> list[Any]:
        first = asyncio.ensure_future(scorer.score(pd.DataFrame({"x": [0]}), "predict", {}))
        while not model.gate.is_set() and scorer._queue is None:
            await asyncio.sleep(0)
        others = [
            asyncio.ensure_future(scorer.score(pd.DataFrame({"x": [i]}), "predict", {})) for i in range(1, 9)
        ]
        deadline = time.monotonic() + 30
        while scorer._queue is not None and scorer._queue.qsize() < 8:  # all eight wait behind the first call
            assert time.monotonic() < deadline
            await asyncio.sleep(0.001)
        model.gate.set()
        return list(await asyncio.gather(first, *others))

    try:
        answers = asyncio.run(run())
    finally:
        scorer.close()
    assert model.sizes == [1, 8]
    assert [a.tolist() for a in answers] == [[i * 10] for i in range(9)]
    assert scorer.metrics.batch_size.count == 2


def test_a_failing_request_in_a_merged_call_fails_alone() -> None:
    class Picky(RecordingModel):
        def predict(self, frame: pd.DataFrame) -> Any:
            self.sizes.append(len(frame))
            if (frame["x"] < 0).any():
                raise ValueError("negative x")
            return np.asarray(frame["x"]) * 10

    model = Picky()
    scorer = Scorer(model, max_wait=0.05)

    async def run() -> list[Any]:
        rows = [3, -1, 5]
        return list(
            await asyncio.gather(
                *(scorer.score(pd.DataFrame({"x": [x]}), "predict", {}) for x in rows), return_exceptions=True
            )
        )

    try:
        first, bad, last = asyncio.run(run())
    finally:
        scorer.close()
    assert first.tolist() == [30]
    assert isinstance(bad, ValueError)
    assert last.tolist() == [50]
