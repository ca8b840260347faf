"""The artifact repository contract on S3 (``S3ArtifactRepository``), against moto in server mode.

The backend-neutral tests of ``test_contract_artifacts.py`` are imported and run here with an S3
``repo``; the ones that look at the local folder have S3 versions below.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from test_contract_artifacts import (  # noqa: E402, F401  (collected again, with the S3 repo)
    BAD_PATHS,
    test_backslashes_are_separators,
    test_bad_paths_are_invalid_name_and_write_nothing,
    test_download,
    test_list_files,
    test_log_folder,
    test_missing_file_is_not_found,
)

from carnet.exceptions import InvalidArgument, InvalidName, NotFound  # noqa: E402
from carnet.store import artifact_repository  # noqa: E402
from carnet.store.artifacts.s3 import S3ArtifactRepository  # noqa: E402

BUCKET = "carnet-test"
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=BUCKET)  # fmt: skip
    yield endpoint
    server.stop()


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("CARNET_S3_ENDPOINT_URL", s3_endpoint)
    return s3_endpoint


def _all_keys(client: Any) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


@pytest.fixture
def repo(s3_env: str) -> Iterator[S3ArtifactRepository]:
    uri = f"s3://{BUCKET}/runs/{uuid.uuid4().hex}/artifacts"
    repository = artifact_repository(uri)
    assert isinstance(repository, S3ArtifactRepository)
    yield repository
    # nothing is ever written outside the repository's prefix
    run_prefix = uri.split("/", 3)[3] + "/"
    mine = [k for k in _all_keys(repository.client) if k.startswith(run_prefix.rsplit("/", 2)[0] + "/")]
    assert all(k.startswith(run_prefix) for k in mine), mine
    assert not [k for k in _all_keys(repository.client) if not k.startswith("runs/")]


def test_log_bytes_and_read_back(repo: S3ArtifactRepository) -> None:
    repo.log_bytes(b"hello", "greeting.txt")
    repo.log_bytes(b"\x00\x01binary", "deep/er/blob.bin")
    assert repo.read_bytes("greeting.txt") == b"hello"
    assert repo.read_bytes("./deep//er/blob.bin") == b"\x00\x01binary"
    key = repo.prefix + "deep/er/blob.bin"
    assert repo.client.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"\x00\x01binary"
    repo.log_bytes(b"second", "greeting.txt")
    assert repo.read_bytes("greeting.txt") == b"second"
    repo.log_bytes(b"", "empty")
    assert repo.read_bytes("empty") == b""


def test_log_file_and_stream(repo: S3ArtifactRepository, tmp_path: Path) -> None:
    source = tmp_path / "model.pkl"
    source.write_bytes(b"weights" * 1000)
    repo.log_file(source, "models/model.pkl")
    assert repo.read_bytes("models/model.pkl") == b"weights" * 1000
    with pytest.raises(NotFound):
        repo.log_file(tmp_path / "missing.txt", "missing.txt")
    with pytest.raises(NotFound):
        repo.log_file(tmp_path, "a-folder")
    data = os.urandom(9 * 1024 * 1024 + 17)  # above boto3's 8 MiB multipart threshold
    repo.log_stream(io.BytesIO(data), "stream/data.bin")
    assert repo.read_bytes("stream/data.bin") == data
    assert [f.path for f in repo.list_files(recursive=True)] == ["models/model.pkl", "stream/data.bin"]


def test_failed_stream_leaves_no_object(repo: S3ArtifactRepository) -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        repo.log_stream(Broken(), "stream/broken.bin")  # type: ignore[arg-type]
    assert repo.list_files(recursive=True) == []


@pytest.mark.parametrize("bad", ["%2e%2e/x", "a/%2E%2E/%2e%2e/b", "%252e%252e%252fx", "%2fetc/passwd"])
def test_encoded_path_tricks_are_refused(repo: S3ArtifactRepository, bad: str) -> None:
    with pytest.raises(InvalidName):
        repo.log_bytes(b"evil", bad)
    with pytest.raises(InvalidName):
        repo.read_bytes(bad)
    assert repo.list_files(recursive=True) == []


def test_root_uri_forms(s3_env: str) -> None:
    bare = S3ArtifactRepository(f"s3://{BUCKET}")
    assert bare.prefix == ""
    assert S3ArtifactRepository(f"s3://{BUCKET}/a/b/").prefix == "a/b/"
    for bad in ("s3://", "s3:///x", f"s3://{BUCKET}/../x"):
        with pytest.raises((InvalidArgument, InvalidName)):
            S3ArtifactRepository(bad)


def test_bad_paths_list_matches_local() -> None:
    assert "../x" in BAD_PATHS


def test_mlflow_artifact_proxy_on_s3_root(s3_env: str, tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette: "use httpx2"
        from fastapi.testclient import TestClient

    from carnet.server.app import create_app
    from carnet.store.sql.store import SqlTrackingStore

    root = f"s3://{BUCKET}/proxy-{uuid.uuid4().hex}"
    app = create_app(SqlTrackingStore(f"sqlite:///{tmp_path / 'r.db'}", root), artifact_root=root)
    base = "/api/2.0/mlflow-artifacts/artifacts"
    with TestClient(app, base_url="http://localhost") as client:
        data = os.urandom(100_000)
        assert client.put(f"{base}/1/run/artifacts/m/model.bin", content=data).status_code == 200
        got = client.get(f"{base}/1/run/artifacts/m/model.bin")
        assert got.status_code == 200 and got.content == data
        listing = client.get(base, params={"path": "1/run/artifacts"}).json()
        assert listing == {"files": [{"path": "m", "is_dir": True}]}
        assert (
            client.get(base, params={"path": "1/run/artifacts/m"}).json()["files"][0]["file_size"] == 100_000
        )
        assert client.get(f"{base}/1/nope.bin").status_code == 404
        for bad in ("..%2F..%2Fx", "%252e%252e/x"):
            assert client.put(f"{base}/{bad}", content=b"evil").status_code == 400
        assert client.delete(f"{base}/1/run").status_code == 200
        assert client.get(base, params={"path": "1"}).json() == {}
    assert not (Path.cwd() / "s3:").exists()
    repo = S3ArtifactRepository(root)
    assert repo.list_files(recursive=True) == []


def test_mlflow_runs_on_s3_root_get_proxy_uris_and_uploads_are_capped(s3_env: str, tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette: "use httpx2"
        from fastapi.testclient import TestClient

    from carnet.server.app import create_app
    from carnet.store.sql.store import SqlTrackingStore

    root = f"s3://{BUCKET}/capped-{uuid.uuid4().hex}"
    store = SqlTrackingStore(f"sqlite:///{tmp_path / 'r.db'}", root)
    app = create_app(store, artifact_root=root, max_artifact_bytes=1000)
    with TestClient(app, base_url="http://localhost") as client:
        api = "/api/2.0/mlflow"
        exp = client.post(f"{api}/experiments/create", json={"name": "on-s3"}).json()["experiment_id"]
        location = client.get(f"{api}/experiments/get", params={"experiment_id": exp}).json()
        assert location["experiment"]["artifact_location"] == f"mlflow-artifacts:/{exp}"
        run = client.post(f"{api}/runs/create", json={"experiment_id": exp, "start_time": 1}).json()["run"]
        run_id = run["info"]["run_id"]
        assert run["info"]["artifact_uri"] == f"mlflow-artifacts:/{exp}/{run_id}/artifacts"
        base = f"/api/2.0/mlflow-artifacts/artifacts/{exp}/{run_id}/artifacts"
        assert client.put(f"{base}/small.bin", content=b"x" * 1000).status_code == 200
        assert client.put(f"{base}/big.bin", content=b"x" * 1001).status_code == 413
        streamed = client.put(f"{base}/big.bin", content=iter([b"y" * 600, b"y" * 600]))
        assert streamed.status_code == 413
    assert [f.path for f in S3ArtifactRepository(root).list_files(recursive=True)] == [
        f"{exp}/{run_id}/artifacts/small.bin"
    ]
