"""Fixtures for the SDK tests: workspaces on real databases and small real image files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import carnet


@pytest.fixture
def ws(sqlite_uri: str) -> carnet.Workspace:
    """A workspace on a SQLite file."""
    return carnet.Workspace(sqlite_uri)


@pytest.fixture
def store_ws(store_uri: str) -> carnet.Workspace:
    """A workspace over SQLite and (marked ``postgres``) PostgreSQL."""
    return carnet.Workspace(store_uri)


@pytest.fixture
def exp(ws: carnet.Workspace) -> carnet.Experiment:
    return carnet.Experiment(ws, "sdk-tests")


@pytest.fixture
def store_exp(store_ws: carnet.Workspace) -> carnet.Experiment:
    return carnet.Experiment(store_ws, "sdk-tests")


def _running(exp: carnet.Experiment) -> Iterator[carnet.Run]:
    run = exp.start_logging(display_name="under-test")
    yield run
    if run.get_status() == "Running":
        run.complete()


@pytest.fixture
def run(exp: carnet.Experiment) -> Iterator[carnet.Run]:
    """A running run on SQLite, completed afterwards if the test left it running."""
    yield from _running(exp)


@pytest.fixture
def store_run(store_exp: carnet.Experiment) -> Iterator[carnet.Run]:
    """A running run over SQLite and PostgreSQL."""
    yield from _running(store_exp)


@pytest.fixture
def figure() -> Iterator[Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2), dpi=40)
    ax.plot([0, 1, 2], [2, 0, 1])
    yield fig
    plt.close(fig)


@pytest.fixture
def png_file(tmp_path: Path) -> Path:
    """A real 8x8 PNG."""
    from PIL import Image

    path = tmp_path / "inputs" / "picture.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (200, 30, 30)).save(path, format="PNG")
    return path


@pytest.fixture
def jpeg_file(tmp_path: Path) -> Path:
    """A real 8x8 JPEG."""
    from PIL import Image

    path = tmp_path / "inputs" / "photo.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (30, 200, 30)).save(path, format="JPEG")
    return path


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "inputs" / "notes.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not an image\n")
    return path
