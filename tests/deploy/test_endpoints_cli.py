"""``carnet endpoints`` against a real server: create (waits for Ready, prints the key once), list,
get, invoke, logs, update, delete; and a clear error without a server."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.deploy.test_endpoint_lifecycle import _register_constants
from typer.testing import CliRunner

from carnet.cli import app

Served = Callable[..., contextlib.AbstractContextManager[str]]


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def url(tmp_path: Path, serve_app: Served) -> Iterator[str]:
    from carnet.config import resolve_location
    from carnet.server import create_app
    from carnet.store import tracking_store

    uri = f"sqlite:///{tmp_path / 'server' / 'carnet.db'}"
    _register_constants(uri)
    served = create_app(tracking_store(resolve_location(uri)), endpoints_dir=tmp_path / "endpoints")
    try:
        with serve_app(served) as address:
            yield address
    finally:
        served.state.supervisor.stop()


def test_the_endpoint_commands(url: str, tmp_path: Path) -> None:
    created = _run("endpoints", "create", "c1", "--model", "models:/const/1", "-u", url)
    assert created.exit_code == 0, created.output
    assert "endpoint c1: Ready" in created.output
    key = re.search(r"key: (ck_\S+)", created.output)
    assert key, created.output
    listed = _run("endpoints", "list", "-u", url, "--output", "json")
    assert [e["name"] for e in json.loads(listed.output)] == ["c1"]
    body = json.dumps({"inputs": [[1.0, 2.0], [3.0, 4.0]]})
    scored = _run("endpoints", "invoke", "c1", "--key", key.group(1), "--data", body, "-u", url)
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.output) == {"predictions": [1.0, 1.0]}
    wrong = _run("endpoints", "invoke", "c1", "--key", "ck_no", "--data", body, "-u", url)
    assert wrong.exit_code == 1
    assert "401" in wrong.output
    assert "starting models:/const/1" in _run("endpoints", "logs", "c1", "-u", url).output
    split = ["-d", "a=models:/const/1", "-d", "b=models:/const/2", "-t", "a=50", "-t", "b=50"]
    updated = _run("endpoints", "update", "c1", *split, "-u", url, "--output", "json")
    assert updated.exit_code == 0, updated.output
    assert [(d["name"], d["traffic"]) for d in json.loads(updated.output)["deployments"]] == [
        ("a", 50),
        ("b", 50),
    ]
    assert _run("endpoints", "delete", "c1", "-u", url).exit_code == 0
    gone = _run("endpoints", "get", "c1", "-u", url)
    assert gone.exit_code == 3
    assert "does not exist" in gone.output


def test_without_a_server_the_commands_say_how_to_get_one(tmp_path: Path) -> None:
    result = _run("endpoints", "list", "-u", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2
    assert "carnet server" in result.output


@pytest.mark.parametrize("command", ["create", "list", "get", "update", "delete", "logs", "invoke"])
def test_help(command: str) -> None:
    result = _run("endpoints", command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output
