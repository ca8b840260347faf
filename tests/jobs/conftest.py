"""Fixtures for the jobs tests: a workspace, a worker running beside the test, script folders."""

from __future__ import annotations

import contextlib
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from carnet import Experiment, Workspace
from carnet.jobs import Worker


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace on a fresh SQLite file."""
    return Workspace(str(tmp_path / "ws"))


@pytest.fixture
def experiment(ws: Workspace) -> Experiment:
    return Experiment(ws, "jobs")


@pytest.fixture
def env_cache(tmp_path: Path) -> Path:
    return tmp_path / "envs"


@contextlib.contextmanager
def running_worker(workspace: Workspace, **options: Any) -> Iterator[Worker]:
    """A worker taking jobs in a background thread until the block ends."""
    options.setdefault("poll_seconds", 0.05)
    options.setdefault("heartbeat_seconds", 0.3)
    worker = Worker(workspace.store, workspace.location, **options)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(60)


@pytest.fixture
def worker(ws: Workspace, tmp_path: Path, env_cache: Path) -> Iterator[Worker]:
    with running_worker(ws, work_root=tmp_path / "work", env_cache=env_cache) as started:
        yield started


@pytest.fixture
def make_folder(tmp_path: Path) -> Callable[..., Path]:
    """``make_folder(name, {"train.py": "...", ...})``: a source folder with those files."""

    def make(name: str, files: dict[str, str | bytes]) -> Path:
        folder = tmp_path / name
        for rel, content in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content))
        return folder

    return make
