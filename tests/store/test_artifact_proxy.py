"""A client of a carnet server sends run and model files through the server's artifact proxy, so it
needs no access to the server's artifact folder (another machine, a job on a cluster)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import carnet
from carnet.store import NewRun
from carnet.store.artifacts.local import LocalArtifactRepository
from carnet.store.artifacts.proxy import ProxyArtifactRepository
from carnet.store.rest.store import RestTrackingStore, under_root


@pytest.mark.parametrize(
    ("location", "root", "expected"),
    [
        ("/srv/art/1/abc/artifacts", "/srv/art", "1/abc/artifacts"),
        ("file:///srv/art/1/abc/artifacts", "/srv/art", "1/abc/artifacts"),
        ("/srv/art", "/srv/art/", ""),
        ("/srv/artifacts-elsewhere/1", "/srv/art", None),  # a sibling that shares the prefix
        ("/other/1", "/srv/art", None),
        ("s3://bucket/prefix/1/abc", "s3://bucket/prefix", "1/abc"),
        ("s3://bucket/prefix2/1", "s3://bucket/prefix", None),
        ("/srv/art/1", None, None),  # the server has no proxy
    ],
)
def test_under_root(location: str, root: str | None, expected: str | None) -> None:
    assert under_root(location, root) == expected


def test_server_info_names_the_proxy_root(rest_uri: str, tmp_path: Path) -> None:
    info = httpx.get(f"{rest_uri}/api/v1/server-info").json()
    assert info["artifact_proxy_root"] == str((tmp_path / "artifacts").resolve())
    assert info["version"]


def test_locations_outside_the_proxy_root_are_written_directly(rest_uri: str, tmp_path: Path) -> None:
    store = RestTrackingStore(rest_uri)
    try:
        own = tmp_path / "experiment-own-folder"
        experiment = store.create_experiment("own-folder", artifact_location=str(own))
        run = store.create_run(NewRun(experiment))
        repository = store.artifact_repository(run.info.artifact_uri)
        assert isinstance(repository, LocalArtifactRepository)
        repository.log_bytes(b"direct", "note.txt")
        assert (Path(run.info.artifact_uri) / "note.txt").read_bytes() == b"direct"
    finally:
        store.close()


def test_sdk_files_and_models_travel_through_the_proxy(
    rest_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklearn.linear_model import LogisticRegression

    import carnet.pyfunc
    import carnet.sklearn

    client_side = tmp_path / "client-side"  # the client's own fallback folder: must stay empty
    monkeypatch.setenv("CARNET_TRACKING_URI", rest_uri)
    monkeypatch.setenv("CARNET_ARTIFACT_ROOT", str(client_side))
    carnet.set_experiment("through-the-proxy")
    model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    with carnet.start_run() as run:
        run.upload_file("outputs/report.txt", _text_file(tmp_path, "accuracy 0.93"))
        carnet.sklearn.log_model(model, name="clf", registered_model_name="proxied")
        assert isinstance(run._artifact_repo(), ProxyArtifactRepository)

    served = Path(run.info.artifact_uri)
    assert (served / "outputs" / "report.txt").read_text() == "accuracy 0.93"
    assert run.get_file_names() == ["outputs/report.txt"]
    loaded = carnet.pyfunc.load_model("models:/proxied/1")
    assert list(loaded.predict([[0.0], [3.0]])) == [0, 1]
    assert not client_side.exists() or not any(client_side.rglob("*"))


def _text_file(folder: Path, text: str) -> Path:
    path = folder / "report.txt"
    path.write_text(text)
    return path


# -- a server whose artifact folder the client cannot see ------------------------------------


def _mount_namespaces_work(scratch: Path) -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs none {scratch}"], capture_output=True, check=False
    )
    return probe.returncode == 0


@pytest.fixture
def hidden_folder_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A ``carnet server`` whose artifact folder is a tmpfs mounted in its own mount namespace:
    the path exists for the test, but what the server writes there is invisible to it."""
    hidden = tmp_path / "server-artifacts"
    hidden.mkdir()
    if not _mount_namespaces_work(hidden):
        pytest.skip("needs root and mount namespaces (unshare -m) to hide the server's folder")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = [
        *(sys.executable, "-m", "carnet", "server", "--port", str(port)),
        *(
            "--backend-store-uri",
            f"sqlite:///{tmp_path / 'server.db'}",
            "--artifacts-destination",
            str(hidden),
        ),
    ]
    command = f"mount -t tmpfs none {hidden} && exec {' '.join(server)}"
    log = tmp_path / "server.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            ["unshare", "-m", "sh", "-c", command],
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}: {log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()}")
            time.sleep(0.1)
        yield url, hidden
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)


def test_a_client_that_cannot_see_the_servers_folder(
    hidden_folder_server: tuple[str, Path], tmp_path: Path
) -> None:
    url, hidden = hidden_folder_server
    client = carnet.Client(url)
    experiment = client.create_experiment("remote")
    run = client.create_run(experiment)
    local = tmp_path / "to-upload"
    (local / "sub").mkdir(parents=True)
    (local / "a.txt").write_text("alpha")
    (local / "sub" / "b.bin").write_bytes(os.urandom(2 * 1024 * 1024))
    client.log_artifacts(run.info.run_id, local, "data")

    assert not any(hidden.iterdir())  # the files are in the server's namespace, not here
    names = [f.path for f in client.list_artifacts(run.info.run_id, "data")]
    assert names == ["data/a.txt", "data/sub"]
    back = Path(client.download_artifacts(run.info.run_id, "data", tmp_path / "back"))
    assert (back / "a.txt").read_text() == "alpha"
    assert (back / "sub" / "b.bin").read_bytes() == (local / "sub" / "b.bin").read_bytes()
