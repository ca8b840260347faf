"""Snapshots: a job's source folder frozen at submit, as a ``.tar.gz`` stored with its run.

What goes in: every regular file under the folder except what a ``.gitignore`` or
``.carnetignore`` (in the folder or any subfolder, gitignore syntax) excludes, and always except
``.git/``, ``.carnet/`` (a workspace's database) and ``__pycache__/``. Symbolic links are left
out (they may point outside the folder). The total size is checked before anything is written:
past the limit (``CARNET_SNAPSHOT_MAX_BYTES``, default 100 MiB) the submit fails and names the
largest files, so the user knows what to ignore.
"""

from __future__ import annotations

import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carnet.exceptions import InvalidArgument, LimitExceeded

IGNORE_FILES = (".gitignore", ".carnetignore")
ALWAYS_EXCLUDED = frozenset({".git", ".carnet", "__pycache__"})
ENV_MAX_BYTES = "CARNET_SNAPSHOT_MAX_BYTES"
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
SNAPSHOT_ARTIFACT = "snapshot/snapshot.tar.gz"


@dataclass(frozen=True)
class SnapshotFiles:
    """The files a snapshot holds (paths relative to the folder, '/'-separated) and their size."""

    root: Path
    files: tuple[str, ...]
    total_bytes: int


def max_snapshot_bytes() -> int:
    text = os.environ.get(ENV_MAX_BYTES, "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        return int(text)
    except ValueError:
        raise InvalidArgument(f"{ENV_MAX_BYTES}: expected a number of bytes, got {text!r}") from None


def select_files(source_directory: str | os.PathLike[str], max_bytes: int | None = None) -> SnapshotFiles:
    """The files of ``source_directory`` a snapshot takes. Raises ``InvalidArgument`` for a folder
    that is not there, ``LimitExceeded`` past ``max_bytes``."""
    import pathspec

    root = Path(source_directory).expanduser()
    if not root.is_dir():
        raise InvalidArgument(
            f"source_directory: {str(source_directory)!r} is not a folder", field="source_directory"
        )
    root = root.resolve()
    limit = max_snapshot_bytes() if max_bytes is None else max_bytes
    specs: list[tuple[str, Any]] = []  # (folder relative to root, its rules)
    files: list[tuple[str, int]] = []
    total = 0
    for folder, dirnames, filenames in os.walk(root):
        here = Path(folder)
        rel_folder = here.relative_to(root).as_posix()
        rel_folder = "" if rel_folder == "." else rel_folder
        for name in IGNORE_FILES:
            ignore = here / name
            if ignore.is_file():
                lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
                specs.append((rel_folder, pathspec.GitIgnoreSpec.from_lines(lines)))

        def ignored(rel: str, is_dir: bool) -> bool:
            for base, spec in specs:
                if base and not rel.startswith(base + "/"):
                    continue
                inner = rel[len(base) + 1 :] if base else rel
                if spec.match_file(inner + "/" if is_dir else inner):
                    return True
            return False

        kept_dirs = []
        for name in sorted(dirnames):
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if name in ALWAYS_EXCLUDED or (here / name).is_symlink() or ignored(rel, True):
                continue
            kept_dirs.append(name)
        dirnames[:] = kept_dirs
        for name in sorted(filenames):
            path = here / name
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if path.is_symlink() or not path.is_file() or ignored(rel, False):
                continue
            size = path.stat().st_size
            files.append((rel, size))
            total += size
    if limit and total > limit:
        largest = ", ".join(f"{rel} ({_mib(size)})" for rel, size in sorted(files, key=lambda f: -f[1])[:3])
        raise LimitExceeded(
            f"source_directory: the snapshot of {root} would be {_mib(total)}, over the limit of "
            f"{_mib(limit)}; the largest files: {largest}. List what the job does not need in "
            f".carnetignore (gitignore syntax), or raise {ENV_MAX_BYTES}",
            field="source_directory",
        )
    return SnapshotFiles(root, tuple(rel for rel, _ in files), total)


def write_archive(selected: SnapshotFiles, destination: str | os.PathLike[str]) -> Path:
    """Write the selected files as a ``.tar.gz`` at ``destination``."""
    destination = Path(destination)
    with tarfile.open(destination, "w:gz", compresslevel=6) as archive:
        for rel in selected.files:
            archive.add(selected.root / rel, arcname=rel, recursive=False)
    return destination


def extract_archive(archive_path: str | os.PathLike[str], destination: str | os.PathLike[str]) -> Path:
    """Unpack a snapshot into ``destination``; members that would land outside it (absolute
    paths, ``..``, links) are refused by tarfile's ``data`` filter."""
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        archive.extractall(destination, filter="data")
    return destination


def list_archive(archive_path: str | os.PathLike[str]) -> list[tuple[str, int]]:
    """The files of a snapshot with their sizes (for browsing it)."""
    with tarfile.open(archive_path, "r:gz") as archive:
        return [(m.name, m.size) for m in archive.getmembers() if m.isfile()]


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"
