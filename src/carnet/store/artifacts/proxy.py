"""A run's files through a carnet server's artifact proxy (``/api/2.0/mlflow-artifacts``).

For clients that cannot reach the server's artifact folder themselves: a laptop talking to a team
server, a job on another machine. The server checks every path again and keeps the files inside
its root; this side validates first so a bad path fails before any byte is sent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from carnet.exceptions import NotFound
from carnet.store.artifacts.base import ArtifactRepository, FileInfo
from carnet.store.rest.client import RestClient
from carnet.validation import check_relative_path

ARTIFACTS_PATH = "/api/2.0/mlflow-artifacts/artifacts"


class ProxyArtifactRepository(ArtifactRepository):
    """The files under ``root`` (a '/'-separated folder under the proxy's root) on the server
    ``client`` calls."""

    def __init__(self, client: RestClient, root: str) -> None:
        self._client = client
        self.root = root.strip("/")

    def _full(self, relative: str) -> str:
        return f"{self.root}/{relative}" if self.root and relative else self.root or relative

    def _url(self, artifact_path: str, field: str = "artifact_path") -> str:
        return f"{ARTIFACTS_PATH}/{quote(self._full(check_relative_path(artifact_path, field)))}"

    # -- writing -----------------------------------------------------------------------------

    def log_file(self, local_path: str | os.PathLike[str], artifact_path: str) -> None:
        source = Path(local_path)
        if not source.is_file():
            raise NotFound(f"path: no file at {str(source)!r}", field="path")
        url = self._url(artifact_path)
        opener = lambda: open(source, "rb")  # noqa: E731, SIM115 - upload closes it after each attempt
        self._client.upload(url, opener, size=source.stat().st_size)

    def log_stream(self, stream: BinaryIO, artifact_path: str) -> None:
        # The server writes to a temporary file and renames it: a stream that breaks halfway
        # leaves nothing. A stream can be read once, so this upload is not retried.
        self._client.upload(self._url(artifact_path), lambda: stream, retry=False)

    def log_bytes(self, data: bytes, artifact_path: str) -> None:
        self._client.upload(self._url(artifact_path), lambda: data, size=len(data))

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

    # -- reading -----------------------------------------------------------------------------

    def _children(self, relative: str) -> list[FileInfo]:
        """The entries of the folder ``relative`` (run-relative paths); [] for a file or nothing."""
        answer = self._client.request("GET", ARTIFACTS_PATH, params={"path": self._full(relative)})
        prefix = relative + "/" if relative else ""
        return [
            FileInfo(prefix + entry["path"], bool(entry.get("is_dir")), entry.get("file_size"))
            for entry in answer.get("files", [])
        ]

    def _file(self, relative: str) -> FileInfo | None:
        """The file ``relative`` names, or None (absent, or a folder)."""
        parent = relative.rpartition("/")[0]
        return next((f for f in self._children(parent) if f.path == relative and not f.is_dir), None)

    def list_files(self, path: str | None = None, recursive: bool = False) -> list[FileInfo]:
        base = check_relative_path(path, "path") if path else ""
        entries = self._children(base)
        if not entries and base:
            single = self._file(base)
            return [single] if single is not None else []
        if recursive:
            found: list[FileInfo] = []
            pending = entries
            while pending:
                entry = pending.pop()
                if entry.is_dir:
                    pending.extend(self._children(entry.path))
                else:
                    found.append(entry)
            entries = found
        return sorted(entries, key=lambda f: f.path)

    def download(self, artifact_path: str, destination: str | os.PathLike[str]) -> Path:
        relative = check_relative_path(artifact_path, "name")
        destination = Path(destination)
        files = self.list_files(relative, recursive=True)
        if len(files) == 1 and files[0].path == relative:  # a file
            target = destination / relative.rsplit("/", 1)[-1] if destination.is_dir() else destination
            self._client.download(self._url(relative, "name"), target)
            return target
        if not files:
            raise NotFound(f"name: the run has no file {artifact_path!r}", field="name")
        for file in files:  # a folder: its files, at their places below ``destination``
            self._client.download(self._url(file.path), destination / file.path[len(relative) + 1 :])
        return destination

    def read_bytes(self, artifact_path: str) -> bytes:
        data: bytes = self._client.request("GET", self._url(artifact_path), raw=True)
        return data
