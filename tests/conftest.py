"""Fixtures shared by the whole suite.

Every test runs in its own temporary folder with its own workspace; PostgreSQL tests get a fresh
schema in the ``test`` database of the local server, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_SERVER = os.environ.get("CARNET_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def isolated_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run each test in an empty folder, with no tracking URI from the environment and no
    leftover active runs from a previous test."""
    from carnet.sdk import fluent

    monkeypatch.chdir(tmp_path)
    for name in (
        "CARNET_TRACKING_URI",
        "CARNET_ARTIFACT_ROOT",
        "CARNET_RUN_ID",
        "CARNET_EXPERIMENT_NAME",
        "MLFLOW_EXPERIMENT_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    yield tmp_path
    for run in list(fluent._active):
        with contextlib.suppress(Exception):  # the test may have broken the run on purpose
            run.complete()
    fluent._active.clear()
    fluent._end_at_exit.clear()
    fluent._tracking_uri = None
    fluent._experiment_id = None
    fluent._last = None
    from carnet.sdk.run import Run

    Run._context_run = None


@pytest.fixture
def sqlite_uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'carnet.db'}"


def _postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture
def postgres_uri() -> Iterator[str]:
    """A URI on a fresh schema of the local PostgreSQL server (dropped after the test).

    In CI PostgreSQL must be there: a missing server fails the test rather than skipping it.
    """
    import psycopg

    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 (needed in CI)")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    schema = f"carnet_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        from carnet.store.sql.engine import dispose_engines

        dispose_engines()
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test over SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_uri"))
    return str(request.getfixturevalue("postgres_uri"))


@pytest.fixture
def store(store_uri: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh tracking store (SQL over SQLite or PostgreSQL)."""
    from carnet.config import resolve_location
    from carnet.store import tracking_store

    return tracking_store(resolve_location(store_uri, str(tmp_path / "artifacts")))
