"""Artifact repository contract: a run's files under its ``artifact_uri``, never outside it.

The repository is rooted at the ``artifact_uri`` the store under test hands out, so every test
also checks that the store's run locations are usable as artifact roots.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from carnet.exceptions import InvalidName, NotFound
from carnet.store import NewRun, TrackingStore, artifact_repository
from carnet.store.artifacts.base import ArtifactRepository, FileInfo
from carnet.store.artifacts.local import LocalArtifactRepository
from carnet.store.artifacts.proxy import ProxyArtifactRepository


@pytest.fixture
def run_uri(store: TrackingStore, experiment_id: str) -> str:
    return store.create_run(NewRun(experiment_id)).info.artifact_uri


@pytest.fixture
def repo(store: TrackingStore, store_uri: str, run_uri: str) -> ArtifactRepository:
    """The store's way to the run's files: the folder itself, or the server's proxy over REST."""
    repository = store.artifact_repository(run_uri)
    if store_uri.startswith("http"):
        assert isinstance(repository, ProxyArtifactRepository)
    else:
        assert isinstance(repository, LocalArtifactRepository)
        assert repository.root == Path(run_uri).resolve()
    return repository


@pytest.fixture
def root(run_uri: str) -> Path:
    """The run's folder on disk (the tests' servers keep their files on this machine)."""
    return Path(run_uri).resolve()


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links not followed) with its content."""
    out = {}
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(dirpath) / name
            out[path.relative_to(folder).as_posix()] = b"<link>" if path.is_symlink() else path.read_bytes()
    return out


def test_log_bytes_and_read_back(repo: ArtifactRepository, root: Path) -> None:
    repo.log_bytes(b"hello", "greeting.txt")
    repo.log_bytes(b"\x00\x01binary", "deep/er/blob.bin")
    assert repo.read_bytes("greeting.txt") == b"hello"
    assert repo.read_bytes("deep/er/blob.bin") == b"\x00\x01binary"
    assert repo.read_bytes("./deep//er/blob.bin") == b"\x00\x01binary"
    assert (root / "deep" / "er" / "blob.bin").read_bytes() == b"\x00\x01binary"
    repo.log_bytes(b"second", "greeting.txt")
    assert repo.read_bytes("greeting.txt") == b"second"
    repo.log_bytes(b"", "empty")
    assert repo.read_bytes("empty") == b""


def test_backslashes_are_separators(repo: ArtifactRepository) -> None:
    repo.log_bytes(b"x", "win\\style\\file.txt")
    assert repo.read_bytes("win/style/file.txt") == b"x"


def test_log_file(repo: ArtifactRepository, tmp_path: Path, root: Path) -> None:
    source = tmp_path / "model.pkl"
    source.write_bytes(b"weights" * 1000)
    repo.log_file(source, "models/model.pkl")
    repo.log_file(str(source), "copy.pkl")
    assert repo.read_bytes("models/model.pkl") == b"weights" * 1000
    assert repo.read_bytes("copy.pkl") == b"weights" * 1000
    with pytest.raises(NotFound):
        repo.log_file(tmp_path / "missing.txt", "missing.txt")
    with pytest.raises(NotFound):
        repo.log_file(tmp_path, "a-folder")  # not a file
    assert not (root / "missing.txt").exists()


def test_log_stream_leaves_no_partial_file(repo: ArtifactRepository, root: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    repo.log_stream(io.BytesIO(data), "stream/data.bin")
    assert repo.read_bytes("stream/data.bin") == data
    assert sorted(p.name for p in (root / "stream").iterdir()) == ["data.bin"]

    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        repo.log_stream(Broken(), "stream/broken.bin")  # type: ignore[arg-type]
    assert sorted(p.name for p in (root / "stream").iterdir()) == ["data.bin"]


def test_log_folder(repo: ArtifactRepository, tmp_path: Path) -> None:
    local = tmp_path / "local"
    (local / "sub" / "deeper").mkdir(parents=True)
    (local / "x.txt").write_bytes(b"x")
    (local / "sub" / "y.txt").write_bytes(b"yy")
    (local / "sub" / "deeper" / "z.txt").write_bytes(b"zzz")
    assert repo.log_folder(local, "data") == ["data/sub/deeper/z.txt", "data/sub/y.txt", "data/x.txt"]
    assert repo.log_folder(local) == ["sub/deeper/z.txt", "sub/y.txt", "x.txt"]
    assert repo.read_bytes("data/sub/deeper/z.txt") == b"zzz"
    assert repo.read_bytes("sub/y.txt") == b"yy"
    with pytest.raises(NotFound):
        repo.log_folder(tmp_path / "nope")


def test_list_files(repo: ArtifactRepository) -> None:
    assert repo.list_files() == []
    repo.log_bytes(b"12345", "b.txt")
    repo.log_bytes(b"1", "a/one.txt")
    repo.log_bytes(b"22", "a/two/two.txt")
    assert repo.list_files() == [FileInfo("a", True), FileInfo("b.txt", False, 5)]
    assert repo.list_files(recursive=True) == [
        FileInfo("a/one.txt", False, 1),
        FileInfo("a/two/two.txt", False, 2),
        FileInfo("b.txt", False, 5),
    ]
    assert repo.list_files("a") == [FileInfo("a/one.txt", False, 1), FileInfo("a/two", True)]
    assert repo.list_files("a", recursive=True) == [
        FileInfo("a/one.txt", False, 1),
        FileInfo("a/two/two.txt", False, 2),
    ]
    assert repo.list_files("b.txt") == [FileInfo("b.txt", False, 5)]
    assert repo.list_files("nothing/here") == []


def test_download(repo: ArtifactRepository, tmp_path: Path) -> None:
    repo.log_bytes(b"m", "model/weights.bin")
    repo.log_bytes(b"c", "model/conf/config.yaml")

    target = tmp_path / "out" / "file.bin"
    assert repo.download("model/weights.bin", target) == target
    assert target.read_bytes() == b"m"

    into = tmp_path / "into"
    into.mkdir()
    assert repo.download("model/weights.bin", into) == into / "weights.bin"
    assert (into / "weights.bin").read_bytes() == b"m"

    tree = tmp_path / "tree"
    assert repo.download("model", tree) == tree
    assert _tree(tree) == {"weights.bin": b"m", "conf/config.yaml": b"c"}

    with pytest.raises(NotFound, match=r"absent\.bin"):
        repo.download("absent.bin", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_missing_file_is_not_found(repo: ArtifactRepository) -> None:
    with pytest.raises(NotFound, match=r"nope\.txt") as info:
        repo.read_bytes("nope.txt")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    repo.log_bytes(b"x", "folder/file")
    with pytest.raises(NotFound):
        repo.read_bytes("folder")  # a folder is not a file


BAD_PATHS = [
    "../x",
    "/etc/passwd",
    "a/../../b",
    "",
    " ",
    "..",
    "a/..",
    "./..",
    "..\\x",
    "\\abs",
    "C:/x",
    "c:x",
]


@pytest.mark.parametrize("bad", BAD_PATHS)
def test_bad_paths_are_invalid_name_and_write_nothing(
    repo: ArtifactRepository, tmp_path: Path, bad: str
) -> None:
    source = tmp_path / "src.txt"
    source.write_bytes(b"payload")
    local = tmp_path / "folder"
    local.mkdir()
    (local / "f.txt").write_bytes(b"f")
    before = _tree(tmp_path)

    writes = {
        "log_bytes": lambda: repo.log_bytes(b"evil", bad),
        "log_stream": lambda: repo.log_stream(io.BytesIO(b"evil"), bad),
        "log_file": lambda: repo.log_file(source, bad),
    }
    if bad:  # log_folder(local, "") means "at the root", like None
        writes["log_folder"] = lambda: repo.log_folder(local, bad)
    for name, call in writes.items():
        with pytest.raises(InvalidName) as info:
            call()
        assert info.value.error_code == "INVALID_PARAMETER_VALUE", name
    with pytest.raises(InvalidName):
        repo.read_bytes(bad)
    with pytest.raises(InvalidName):
        repo.download(bad, tmp_path / "dl")
    if bad.strip():  # an empty path lists the root
        with pytest.raises(InvalidName):
            repo.list_files(bad)
    assert _tree(tmp_path) == before


def test_symlink_to_outside_is_refused(repo: ArtifactRepository, tmp_path: Path, root: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    root.mkdir(parents=True, exist_ok=True)
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "file-link").symlink_to(outside / "secret.txt")
    before = _tree(outside)

    for call in (
        lambda: repo.log_bytes(b"evil", "link/evil.txt"),
        lambda: repo.log_bytes(b"evil", "link/secret.txt"),
        lambda: repo.log_bytes(b"evil", "file-link"),
        lambda: repo.log_stream(io.BytesIO(b"evil"), "link/evil.txt"),
        lambda: repo.read_bytes("link/secret.txt"),
        lambda: repo.read_bytes("file-link"),
        lambda: repo.download("link", tmp_path / "dl"),
        lambda: repo.download("file-link", tmp_path / "dl2"),
        lambda: repo.list_files("link"),
    ):
        with pytest.raises(InvalidName, match="outside"):
            call()
    assert _tree(outside) == before
    assert not (tmp_path / "dl").exists()
    assert not (tmp_path / "dl2").exists()


def test_symlink_inside_the_root_is_allowed(repo: ArtifactRepository, root: Path) -> None:
    repo.log_bytes(b"real", "real/file.txt")
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    assert repo.read_bytes("alias/file.txt") == b"real"


def test_file_uri_root(store: TrackingStore, experiment_id: str) -> None:
    uri = store.create_run(NewRun(experiment_id)).info.artifact_uri
    by_uri = artifact_repository(Path(uri).as_uri())
    by_uri.log_bytes(b"u", "u.txt")
    assert (Path(uri) / "u.txt").read_bytes() == b"u"
    assert artifact_repository(uri).read_bytes("u.txt") == b"u"
