"""Helpers for the store contract suite (``tests/store/test_contract_*.py``).

Every contract test takes the ``store`` fixture of ``tests/conftest.py``, so it runs on a fresh
SQLite file and on a fresh PostgreSQL schema; the expectations are the same for both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from carnet.entities import Run
from carnet.store import NewRun, TrackingStore


@pytest.fixture
def experiment_id(store: TrackingStore) -> str:
    """A fresh, empty experiment of the store under test."""
    return store.create_experiment("contract")


@pytest.fixture
def make_run(store: TrackingStore, experiment_id: str) -> Callable[..., Run]:
    """``make_run(**fields)``: create a run (in ``experiment_id`` unless told otherwise)."""

    def make(**fields: Any) -> Run:
        fields.setdefault("experiment_id", experiment_id)
        return store.create_run(NewRun(**fields))

    return make
