"""Small helpers shared by every layer: clocks, ids and generated run names."""

from __future__ import annotations

import random
import time
import uuid
from pathlib import Path

_ADJECTIVES = (
    "amber", "bold", "brisk", "calm", "clever", "crisp", "eager", "fleet", "gentle", "keen",
    "lucid", "merry", "nimble", "quiet", "rapid", "sharp", "steady", "sunny", "vivid", "witty",
)  # fmt: skip
_NOUNS = (
    "badger", "comet", "falcon", "fern", "harbor", "heron", "lark", "maple", "meadow", "otter",
    "pine", "quartz", "raven", "river", "sparrow", "summit", "tide", "willow", "wren", "zephyr",
)  # fmt: skip


def now_ms() -> int:
    """Milliseconds since the epoch, the unit of every timestamp carnet stores."""
    return time.time_ns() // 1_000_000


def new_run_id() -> str:
    return uuid.uuid4().hex


def new_model_id() -> str:
    """A logged model id, MLflow's form: ``m-`` and 32 hex characters."""
    return f"m-{uuid.uuid4().hex}"


def new_batch_id() -> str:
    return uuid.uuid4().hex


def generate_run_name() -> str:
    """A readable default run name such as ``keen-otter-42``."""
    rng = random.SystemRandom()
    return f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}-{rng.randint(1, 999)}"


def join_uri(root: str, *parts: str) -> str:
    """``root`` joined with ``parts``: a ``scheme://`` URI (e.g. ``s3://bucket/prefix``) with '/',
    anything else (a local folder) as a filesystem path, exactly as ``Path(root) / ...``."""
    if "://" in root and not root.startswith("file://"):
        return "/".join([root.rstrip("/"), *(part.strip("/") for part in parts)])
    return str(Path(root).joinpath(*parts))
