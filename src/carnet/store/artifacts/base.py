"""The artifact repository contract: a run's files under one root, addressed by relative paths.

Paths are validated with ``carnet.validation.check_relative_path``: nothing is ever read or
written outside the root.
"""

from __future__ import annotations

import abc
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class FileInfo:
    path: str
    is_dir: bool
    file_size: int | None = None


class ArtifactRepository(abc.ABC):
    @abc.abstractmethod
    def log_file(self, local_path: str | os.PathLike[str], artifact_path: str) -> None:
        """Copy a local file to ``artifact_path`` (a relative path including the file name)."""

    @abc.abstractmethod
    def log_stream(self, stream: BinaryIO, artifact_path: str) -> None:
        """Write the bytes of an open binary stream to ``artifact_path``."""

    @abc.abstractmethod
    def log_bytes(self, data: bytes, artifact_path: str) -> None: ...

    @abc.abstractmethod
    def log_folder(self, local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> list[str]:
        """Copy a folder's files under ``artifact_path``; return the relative paths written."""

    @abc.abstractmethod
    def list_files(self, path: str | None = None, recursive: bool = False) -> list[FileInfo]:
        """Entries under ``path`` (the root when None), sorted by path."""

    @abc.abstractmethod
    def download(self, artifact_path: str, destination: str | os.PathLike[str]) -> Path:
        """Copy a file or a folder to ``destination``; return the local path. ``NotFound`` if absent."""

    @abc.abstractmethod
    def read_bytes(self, artifact_path: str) -> bytes: ...
