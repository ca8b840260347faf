"""``carnet sync`` without a server: help, an empty spool, and an unreachable server."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from carnet.cli import app
from carnet.sdk.spool import Spool, spool_path
from carnet.store.base import LogBatch


def test_sync_help() -> None:
    result = CliRunner().invoke(app, ["sync", "--help"])
    assert result.exit_code == 0
    assert "spool" in result.output


def test_sync_with_an_empty_spool(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sync"], env={"CARNET_SPOOL_DIR": str(tmp_path / "none")})
    assert result.exit_code == 0
    assert "Nothing to sync" in result.output


def test_sync_keeps_the_spool_while_the_server_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    spool = Spool(url, spool_path(url, tmp_path))
    spool.append_batch("r1", LogBatch(batch_id="b1"))
    result = CliRunner().invoke(app, ["sync", "--retries", "0", "--spool-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "cannot reach" in result.output
    assert [r["id"] for r in spool.records()] == ["b1"]
