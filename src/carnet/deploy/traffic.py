"""Choosing a deployment for each request by its share of the traffic.

Smooth weighted round-robin (nginx's): over any 100 consecutive requests a 70/30 split sends
exactly 70 and 30, interleaved rather than in runs, and no randomness makes a test flaky.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence


class TrafficSplitter:
    def __init__(self) -> None:
        self._current: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    def choose(self, endpoint: str, weights: Sequence[tuple[str, int]]) -> str | None:
        """The deployment of ``endpoint`` to send the next request to, from (name, weight) pairs
        (those with weight 0 never get one); None when no weight is positive."""
        live = [(name, weight) for name, weight in weights if weight > 0]
        if not live:
            return None
        total = sum(weight for _, weight in live)
        with self._lock:
            current = self._current.setdefault(endpoint, {})
            for name in list(current):
                if name not in dict(live):
                    del current[name]
            for name, weight in live:
                current[name] = current.get(name, 0) + weight
            chosen = max(live, key=lambda item: current[item[0]])[0]
            current[chosen] -= total
        return chosen
