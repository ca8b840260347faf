"""Offline mode (``CARNET_MODE=offline``): logging never contacts the server, and ``carnet sync``
later stores the runs on a real server as if they had been logged online, each point once."""

from __future__ import annotations

import contextlib
import io
import math
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import carnet
from carnet.cli import app
from carnet.entities import RunStatus
from carnet.exceptions import InvalidArgument, NotAvailableOffline, NotFound
from carnet.server import create_app
from carnet.store import artifact_repository
from carnet.store.sql.store import SqlTrackingStore

POINTS = 2000


@pytest.fixture
def spool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "spool"
    monkeypatch.setenv("CARNET_MODE", "offline")
    monkeypatch.setenv("CARNET_SPOOL_DIR", str(folder))
    return folder


@contextlib.contextmanager
def listener() -> Iterator[socket.socket]:
    """A loopback port that only counts connection attempts (nothing ever answers on it)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    try:
        yield sock
    finally:
        sock.close()


def connections(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def log_offline(url: str, tmp_path: Path) -> tuple[carnet.Run, carnet.Run]:
    notes = tmp_path / "notes.txt"
    notes.write_text("offline notes\n")
    ws = carnet.Workspace(url)
    with carnet.Experiment(ws, "offline-exp").start_logging(
        display_name="trip", tags={"env": "train"}
    ) as run:
        run.log_param("lr", 0.1)
        for step in range(POINTS):
            run.log("loss", 1.0 / (step + 1))
        run.log("bad", float("nan"))
        run.log("bad", float("inf"))
        run.tag("stage", "offline")
        run.log_row("scores", fold=1, auc=0.91)
        run.upload_file("outputs/notes.txt", notes)
        with run.child_run("child") as child:
            child.log("acc", 0.5)
    return run, child


def test_offline_logging_never_contacts_the_server(spool_dir: Path, tmp_path: Path) -> None:
    with listener() as sock:
        started = time.monotonic()
        run, child = log_offline(url_of(sock), tmp_path)
        elapsed = time.monotonic() - started
        assert connections(sock) == 0
    assert elapsed < 10  # a connection attempt alone would wait for the client's timeout
    assert run.get_status() == child.get_status() == "Completed"
    assert len(run.id) == 32 and run.data.params == {"lr": "0.1"}
    assert run.data.tags["stage"] == "offline"
    assert list(spool_dir.glob("*.jsonl"))
    assert (spool_dir / "files" / run.id / "outputs" / "notes.txt").read_text() == "offline notes\n"


def test_reads_that_need_the_server_say_so(spool_dir: Path) -> None:
    with listener() as sock:
        url = url_of(sock)
        carnet.set_tracking_uri(url)
        with pytest.raises(NotAvailableOffline, match=r"offline \(CARNET_MODE=offline\).*carnet sync"):
            carnet.search_runs(experiment_ids=["0"], output_format="list")
        with pytest.raises(NotAvailableOffline, match="carnet sync"):
            carnet.Workspace(url).get_run(uuid.uuid4().hex)
        with pytest.raises(NotAvailableOffline, match="carnet sync"):
            carnet.Client(url).search_experiments()
        with carnet.start_run() as run:
            run.log("x", 1.0)
            with pytest.raises(NotAvailableOffline, match="carnet sync"):
                run.get_metrics()
            with pytest.raises(NotAvailableOffline, match="datasets a run read"):
                run.log_input("iris", digest="1a2b3c4d", source="iris.csv", context="training")
        with pytest.raises(NotAvailableOffline, match="carnet sync"):
            carnet.Workspace(url).store.search_logged_models(["0"])
        assert connections(sock) == 0


@pytest.mark.parametrize("experiment_exists", [False, True], ids=["created", "existing"])
def test_sync_stores_an_offline_run_exactly_once(
    spool_dir: Path, tmp_path: Path, serve_app: Callable[..., Any], experiment_exists: bool
) -> None:
    with listener() as sock:
        url, port = url_of(sock), sock.getsockname()[1]
        run, child = log_offline(url, tmp_path)
        assert connections(sock) == 0
    # The same records once more, as if a sync had stored them but lost their removal from the spool.
    again = tmp_path / "again"
    shutil.copytree(spool_dir, again)
    server_store = SqlTrackingStore(f"sqlite:///{tmp_path / 'server.db'}", str(tmp_path / "artifacts"))
    existing_id = server_store.create_experiment("offline-exp") if experiment_exists else None
    with serve_app(create_app(server_store), port=port):
        synced = CliRunner().invoke(app, ["sync"])
        assert synced.exit_code == 0, synced.output
        assert "0 refused; 0 left" in synced.output
        check_synced(server_store, run, child, existing_id)

        assert "Nothing to sync" in CliRunner().invoke(app, ["sync"]).output
        # The ended runs refuse the replayed batches (already stored); nothing is stored twice.
        resynced = CliRunner().invoke(app, ["sync", "--spool-dir", str(again)])
        assert resynced.exit_code == 0, resynced.output
        assert "0 left" in resynced.output
        assert not list(again.glob("*.jsonl"))
        check_synced(server_store, run, child, existing_id)


def check_synced(
    store: SqlTrackingStore, run: carnet.Run, child: carnet.Run, experiment_id: str | None
) -> None:
    experiment = store.get_experiment_by_name("offline-exp")
    assert experiment is not None
    assert experiment_id in (None, experiment.experiment_id)
    stored = store.get_run(run.id)
    info = stored.info
    assert info.experiment_id == experiment.experiment_id
    assert (info.run_name, info.status, info.start_time) == (
        "trip",
        RunStatus.COMPLETED,
        run._info.start_time,
    )
    assert info.end_time == run._info.end_time
    assert stored.data.params == {"lr": "0.1"}
    assert {"env": "train", "stage": "offline"}.items() <= stored.data.tags.items()
    loss = store.get_metric_history(run.id, "loss")
    assert [m.step for m in loss] == list(range(POINTS))
    assert [m.value for m in loss] == [1.0 / (s + 1) for s in range(POINTS)]
    bad = [m.value for m in store.get_metric_history(run.id, "bad")]
    assert len(bad) == 2 and math.isnan(bad[0]) and bad[1] == math.inf
    assert [r.payload for r in store.get_metric_records(run.id, "scores")] == [{"fold": 1, "auc": 0.91}]
    files = artifact_repository(info.artifact_uri).list_files(recursive=True)
    assert [f.path for f in files] == ["outputs/notes.txt"]

    child_info = store.get_run(child.id).info
    assert (child_info.parent_run_id, child_info.status) == (run.id, RunStatus.COMPLETED)
    assert [m.value for m in store.get_metric_history(child.id, "acc")] == [0.5]
    assert len(store.search_runs([experiment.experiment_id]).runs) == 2


def test_a_run_the_server_refuses_stays_in_the_spool_until_it_can_be_synced(
    spool_dir: Path, tmp_path: Path, serve_app: Callable[..., Any]
) -> None:
    with listener() as sock:
        url, port = url_of(sock), sock.getsockname()[1]
        with carnet.Experiment(carnet.Workspace(url), "archived").start_logging() as run:
            run.log("x", 1.0)
            run.upload_file("a.txt", io.BytesIO(b"a"))
        unfinished = carnet.Experiment(carnet.Workspace(url), "archived").start_logging()
        unfinished.upload_file("b.txt", io.BytesIO(b"b"))
        unfinished.flush()
    server_store = SqlTrackingStore(f"sqlite:///{tmp_path / 'server.db'}", str(tmp_path / "artifacts"))
    server_store.delete_experiment(server_store.create_experiment("archived"))
    with serve_app(create_app(server_store), port=port):
        refused = CliRunner().invoke(app, ["sync"])
        assert refused.exit_code == 0, refused.output
        assert "2 refused" in refused.output and "is deleted" in refused.output
        assert "2 run(s) logged offline keep files" in refused.output
        with pytest.raises(NotFound):
            server_store.get_run(run.id)

        server_store.restore_experiment(server_store.get_experiment_by_name("archived").experiment_id)  # type: ignore[union-attr]
        synced = CliRunner().invoke(app, ["sync"])
        assert "0 refused; 0 left" in synced.output, synced.output
        assert "1 run(s) logged offline keep files" in synced.output  # the unfinished run's
    assert [m.value for m in server_store.get_metric_history(run.id, "x")] == [1.0]
    assert server_store.get_run(run.id).info.status is RunStatus.COMPLETED
    assert server_store.get_run(unfinished.id).info.status is RunStatus.RUNNING
    files = artifact_repository(server_store.get_run(run.id).info.artifact_uri).list_files()
    assert [f.path for f in files] == ["a.txt"]
    unfinished.complete()


def test_offline_mode_leaves_the_embedded_stores_alone(spool_dir: Path, sqlite_uri: str) -> None:
    with carnet.Experiment(carnet.Workspace(sqlite_uri), "local").start_logging() as run:
        run.log("x", 1.0)
    assert run.get_metrics() == {"x": 1.0}
    assert not spool_dir.exists()


@pytest.mark.parametrize("uri", ["http://127.0.0.1:9", "sqlite:///x.db"])
def test_an_unknown_mode_is_refused(monkeypatch: pytest.MonkeyPatch, uri: str) -> None:
    monkeypatch.setenv("CARNET_MODE", "airplane")
    with pytest.raises(InvalidArgument, match="CARNET_MODE: 'airplane' is not a mode"):
        carnet.Workspace(uri)


def test_online_is_the_default_and_can_be_named(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not carnet.Workspace("http://127.0.0.1:9").location.offline
    monkeypatch.setenv("CARNET_MODE", "online")
    assert not carnet.Workspace("http://127.0.0.1:9").location.offline
    monkeypatch.setenv("CARNET_MODE", "offline")
    assert carnet.Workspace("http://127.0.0.1:9").location.offline
