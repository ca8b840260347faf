"""The proxy's artifact root: a folder or an s3:// prefix, kept as given and chosen once."""

from __future__ import annotations

from pathlib import Path

import pytest

from carnet.exceptions import InvalidArgument, InvalidName
from carnet.server.artifact_root import ArtifactRoot
from carnet.server.mlflow.artifacts import safe_relative
from carnet.server.mlflow.convert import proxy_uri


def test_local_root(tmp_path: Path) -> None:
    root = ArtifactRoot.of(tmp_path / "artifacts")
    assert root.s3 is None and root.folder == (tmp_path / "artifacts").resolve()
    assert root.uri == str(root.folder)
    assert ArtifactRoot.of(f"file://{tmp_path}/artifacts") == root
    inside = str(tmp_path / "artifacts" / "1" / "abc" / "artifacts")
    assert root.relative(inside) == "1/abc/artifacts"
    assert root.relative(f"file://{inside}") == "1/abc/artifacts"
    assert root.relative(str(tmp_path / "artifacts")) == ""
    assert root.relative(str(tmp_path / "elsewhere")) is None
    assert root.relative(str(tmp_path / "artifacts" / ".." / "elsewhere")) is None
    assert root.relative("s3://bucket/artifacts/1") is None
    assert proxy_uri(inside, root) == "mlflow-artifacts:/1/abc/artifacts"
    assert proxy_uri("/somewhere/else", root) == "/somewhere/else"
    assert proxy_uri(inside, None) == inside


def test_s3_root_stays_a_uri(tmp_path: Path) -> None:
    root = ArtifactRoot.of("s3://bucket/prefix/")
    assert root.folder is None and root.s3 is not None
    assert root.uri == "s3://bucket/prefix"
    assert root.relative("s3://bucket/prefix/1/abc/artifacts") == "1/abc/artifacts"
    assert root.relative("s3://bucket/prefix") == ""
    assert root.relative("s3://bucket/prefix-other/1") is None
    assert root.relative("s3://other/prefix/1") is None
    assert root.relative(str(tmp_path)) is None
    assert proxy_uri("s3://bucket/prefix/2/r/artifacts", root) == "mlflow-artifacts:/2/r/artifacts"
    assert not (Path.cwd() / "s3:").exists()


def test_unsupported_roots_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="artifact proxy"):
        ArtifactRoot.of("gs://bucket/prefix")
    with pytest.raises((InvalidArgument, InvalidName)):
        ArtifactRoot.of("s3://")


@pytest.mark.parametrize(
    "path",
    ["../x", "a/../../x", "%2e%2e/x", "a\\b", "a#b", "a;b", "..;/x", "/etc/passwd", "C:/x", "%252e%252e/x"],
)
def test_safe_relative_refuses_escapes(path: str) -> None:
    with pytest.raises(InvalidName):
        safe_relative(path)


def test_safe_relative_normalises() -> None:
    assert safe_relative("a//b/./c.txt") == "a/b/c.txt"
    assert safe_relative("100%25 done.txt") == "100%25 done.txt"  # a literal name is kept as given
