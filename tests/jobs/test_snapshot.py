"""Snapshots: what goes in (ignore files, nested rules, always-excluded folders, no symlinks),
the size guard, and safe unpacking."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from carnet.exceptions import InvalidArgument, LimitExceeded
from carnet.sdk.snapshot import extract_archive, list_archive, select_files, write_archive


def test_ignore_files_are_honoured_at_every_level(make_folder) -> None:
    folder = make_folder(
        "src",
        {
            "train.py": "print('hi')\n",
            "helpers/util.py": "X = 1\n",
            "helpers/cache.bin": "x",
            "helpers/.gitignore": "*.bin\n",
            "data/big.csv": "a,b\n",
            "data/keep.csv": "a,b\n",
            ".gitignore": "data/\n!data/keep.csv\n",
            ".carnetignore": "notes.md\n",
            "notes.md": "private",
            ".git/HEAD": "ref",
            ".carnet/carnet.db": "db",
            "__pycache__/x.pyc": "x",
        },
    )
    (folder / "link.py").symlink_to(folder / "train.py")
    selected = select_files(folder)
    assert set(selected.files) == {
        ".carnetignore",
        ".gitignore",
        "helpers/.gitignore",
        "helpers/util.py",
        "train.py",
    }


def test_size_guard_names_the_largest_files(make_folder) -> None:
    folder = make_folder("big", {"train.py": "pass\n", "weights.bin": b"0" * 5000, "small.txt": "x"})
    with pytest.raises(LimitExceeded) as refused:
        select_files(folder, max_bytes=1000)
    assert refused.value.field == "source_directory"
    assert "weights.bin" in refused.value.message and ".carnetignore" in refused.value.message


def test_size_guard_reads_the_environment(make_folder, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_folder("env", {"a.bin": b"0" * 2000})
    monkeypatch.setenv("CARNET_SNAPSHOT_MAX_BYTES", "100")
    with pytest.raises(LimitExceeded):
        select_files(folder)
    monkeypatch.setenv("CARNET_SNAPSHOT_MAX_BYTES", "lots")
    with pytest.raises(InvalidArgument, match="CARNET_SNAPSHOT_MAX_BYTES"):
        select_files(folder)


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument) as refused:
        select_files(tmp_path / "nope")
    assert refused.value.field == "source_directory"


def test_archive_round_trip(make_folder, tmp_path: Path) -> None:
    folder = make_folder("rt", {"train.py": "print(1)\n", "pkg/mod.py": "Y = 2\n"})
    archive = write_archive(select_files(folder), tmp_path / "s.tar.gz")
    assert sorted(name for name, _ in list_archive(archive)) == ["pkg/mod.py", "train.py"]
    out = extract_archive(archive, tmp_path / "out")
    assert (out / "pkg" / "mod.py").read_text() == "Y = 2\n"


def test_unpacking_refuses_paths_outside_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(tarfile.TarError):
        extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()
