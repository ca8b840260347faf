"""Artifacts in a local folder (the default, also any mounted network share)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

from carnet.exceptions import InvalidName, NotFound
from carnet.store.artifacts.base import ArtifactRepository, FileInfo
from carnet.validation import check_relative_path


class LocalArtifactRepository(ArtifactRepository):
    def __init__(self, root: str | Path) -> None:
        text = str(root)
        parsed = urlparse(text)
        self.root = Path(parsed.path if parsed.scheme == "file" else text).resolve()

    def _target(self, artifact_path: str, field: str = "artifact_path") -> Path:
        relative = check_relative_path(artifact_path, field)
        target = (self.root / relative).resolve()
        # Symlinks inside the root could still lead out of it.
        if target != self.root and self.root not in target.parents:
            raise InvalidName(f"{field}: {artifact_path!r} resolves outside the run's folder", field=field)
        return target

    def log_file(self, local_path: str | os.PathLike[str], artifact_path: str) -> None:
        source = Path(local_path)
        if not source.is_file():
            raise NotFound(f"path: no file at {str(source)!r}", field="path")
        target = self._target(artifact_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def log_stream(self, stream: BinaryIO, artifact_path: str) -> None:
        target = self._target(artifact_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
        try:
            with open(tmp, "wb") as out:
                shutil.copyfileobj(stream, out)
            os.replace(tmp, target)  # never leave a half-written file under the real name
        finally:
            tmp.unlink(missing_ok=True)

    def log_bytes(self, data: bytes, artifact_path: str) -> None:
        import io

        self.log_stream(io.BytesIO(data), artifact_path)

    def log_folder(self, local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> list[str]:
        source = Path(local_dir)
        if not source.is_dir():
            raise NotFound(f"path: no folder at {str(source)!r}", field="path")
        prefix = check_relative_path(artifact_path, "name") + "/" if artifact_path else ""
        written = []
        for file in sorted(p for p in source.rglob("*") if p.is_file()):
            relative = prefix + file.relative_to(source).as_posix()
            self.log_file(file, relative)
            written.append(relative)
        return written

    def list_files(self, path: str | None = None, recursive: bool = False) -> list[FileInfo]:
        base = self._target(path, "path") if path else self.root
        if not base.exists():
            return []
        if base.is_file():
            return [FileInfo(base.relative_to(self.root).as_posix(), False, base.stat().st_size)]
        entries = base.rglob("*") if recursive else base.iterdir()
        out = []
        for entry in entries:
            if entry.name.endswith(".part") and entry.name.startswith("."):
                continue
            rel = entry.relative_to(self.root).as_posix()
            if entry.is_dir():
                if not recursive:
                    out.append(FileInfo(rel, True))
            else:
                out.append(FileInfo(rel, False, entry.stat().st_size))
        return sorted(out, key=lambda f: f.path)

    def download(self, artifact_path: str, destination: str | os.PathLike[str]) -> Path:
        source = self._target(artifact_path)
        if not source.exists():
            raise NotFound(f"name: the run has no file {artifact_path!r}", field="name")
        destination = Path(destination)
        if source.is_dir():
            shutil.copytree(source, destination, dirs_exist_ok=True)
        else:
            if destination.is_dir():
                destination = destination / source.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        return destination

    def read_bytes(self, artifact_path: str) -> bytes:
        source = self._target(artifact_path)
        if not source.is_file():
            raise NotFound(f"name: the run has no file {artifact_path!r}", field="name")
        return source.read_bytes()
