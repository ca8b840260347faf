"""Request counts and latency histograms in the Prometheus text format (``GET /metrics``).

A scoring process is one event loop, so plain integers are enough: no locks, no registry, nothing
shared between apps (a test may build several in one process).
"""

from __future__ import annotations

import bisect
from collections import defaultdict

# Seconds: fine below 50 ms, where a healthy scoring endpoint answers.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096)


class Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.count += 1

    def lines(self, name: str, labels: str = "") -> list[str]:
        sep = "," if labels else ""
        out, running = [], 0
        for bound, count in zip(self.buckets, self.counts, strict=False):
            running += count
            out.append(f'{name}_bucket{{{labels}{sep}le="{bound:g}"}} {running}')
        out.append(f'{name}_bucket{{{labels}{sep}le="+Inf"}} {self.count}')
        braces = f"{{{labels}}}" if labels else ""
        out.append(f"{name}_sum{braces} {self.total:.6f}")
        out.append(f"{name}_count{braces} {self.count}")
        return out


class ScoringMetrics:
    """What ``/metrics`` reports: requests by status code, request latency, rows scored, and the
    size of each model call (how well micro-batching merges requests)."""

    def __init__(self) -> None:
        self.requests: dict[int, int] = defaultdict(int)
        self.latency = Histogram(LATENCY_BUCKETS)
        self.rows = 0
        self.batch_size = Histogram(BATCH_BUCKETS)

    def record(self, status: int, seconds: float, rows: int) -> None:
        self.requests[status] += 1
        self.latency.observe(seconds)
        self.rows += rows

    def render(self) -> str:
        lines = [
            "# HELP carnet_scoring_requests_total Scoring requests answered, by HTTP status.",
            "# TYPE carnet_scoring_requests_total counter",
        ]
        lines += [
            f'carnet_scoring_requests_total{{status="{s}"}} {n}' for s, n in sorted(self.requests.items())
        ]
        lines += [
            "# HELP carnet_scoring_request_seconds Time from request to answer for /invocations.",
            "# TYPE carnet_scoring_request_seconds histogram",
            *self.latency.lines("carnet_scoring_request_seconds"),
            "# HELP carnet_scoring_rows_total Rows scored.",
            "# TYPE carnet_scoring_rows_total counter",
            f"carnet_scoring_rows_total {self.rows}",
            "# HELP carnet_scoring_batch_rows Rows per model call (micro-batches merge small requests).",
            "# TYPE carnet_scoring_batch_rows histogram",
            *self.batch_size.lines("carnet_scoring_batch_rows"),
        ]
        return "\n".join(lines) + "\n"
