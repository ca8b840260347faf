"""A workspace whose artifact root is an S3 bucket (moto in server mode)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import carnet

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("CARNET_S3_ENDPOINT_URL", endpoint)
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="bucket")
    yield endpoint
    server.stop()


def test_workspace_with_s3_artifact_root(s3_endpoint: str, tmp_path: Path) -> None:
    # A prefix of its own: the bucket is shared with the other S3 tests of this worker.
    prefix = f"prefix-{tmp_path.name}"
    ws = carnet.Workspace(f"sqlite:///{tmp_path / 'runs.db'}", artifact_root=f"s3://bucket/{prefix}")
    source = tmp_path / "model.bin"
    source.write_bytes(b"weights")
    run = carnet.Experiment(ws, "s3").start_logging(display_name="on-s3")
    run.upload_file("outputs/model.bin", source)
    assert run.get_file_names() == ["outputs/model.bin"]
    out = run.download_file("outputs/model.bin", tmp_path / "dl" / "model.bin")
    assert out.read_bytes() == b"weights"
    run.complete()
    listing = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(
        Bucket="bucket", Prefix=f"{prefix}/"
    )
    keys = [o["Key"] for o in listing["Contents"]]
    assert len(keys) == 1
    assert keys[0].startswith(f"{prefix}/") and keys[0].endswith("/artifacts/outputs/model.bin")
