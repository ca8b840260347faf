"""The artifact root the server's proxy serves: a local folder or an ``s3://`` prefix, chosen once.

The root stays what it was given as (a folder path or a URI); it is never turned into a ``Path``
that would mangle ``s3://bucket`` into ``<cwd>/s3:/bucket``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from carnet.exceptions import InvalidArgument
from carnet.store.artifacts.s3 import S3ArtifactRepository


@dataclass(frozen=True)
class ArtifactRoot:
    """``uri`` is the absolute folder or ``s3://bucket/prefix``; exactly one of ``folder`` (a local
    root, resolved) and ``s3`` (the S3 repository) is set."""

    uri: str
    folder: Path | None = None
    s3: S3ArtifactRepository | None = None

    @classmethod
    def of(cls, root: str | os.PathLike[str]) -> ArtifactRoot:
        text = os.fspath(root)
        parsed = urlparse(text)
        if parsed.scheme == "s3":
            repository = S3ArtifactRepository(text)  # checks the bucket and the prefix
            return cls(repository.root_uri, s3=repository)
        if parsed.scheme == "file":
            text = parsed.path
        elif parsed.scheme and len(parsed.scheme) > 1:  # one letter is a Windows drive
            raise InvalidArgument(
                f"artifact_root: {text!r}: the artifact proxy serves a local folder or s3://bucket/prefix",
                field="artifact_root",
            )
        folder = Path(text).expanduser().resolve()
        return cls(str(folder), folder=folder)

    def relative(self, location: str) -> str | None:
        """``location`` (an experiment's or a run's artifact location) as a '/'-separated path under
        the root ("" for the root itself), or None when it lies elsewhere."""
        if self.s3 is not None:
            if location.rstrip("/") == self.uri:
                return ""
            return location[len(self.uri) + 1 :] if location.startswith(self.uri + "/") else None
        assert self.folder is not None
        parsed = urlparse(location)
        if parsed.scheme == "file":
            location = parsed.path
        elif parsed.scheme and len(parsed.scheme) > 1:
            return None  # s3://, http://, ...: not under a local folder
        try:
            text = Path(location).resolve().relative_to(self.folder).as_posix()
        except (ValueError, OSError):
            return None
        return "" if text == "." else text
