"""The studio's static files: its own CSS and JavaScript, and plotly.js from the plotly package.

Each file is read once, gzipped once and served from memory with a strong ETag and a long cache
lifetime (page shells link them with the carnet version in the query, so an upgrade is fetched
anew). A name outside the known files is a 404: nothing is read from a path a request chose.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from carnet.exceptions import NotFound

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    media_type: str
    etag: str


def _plotly_path() -> Path:
    """Found without importing plotly (the server process has no use for its Python side)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise NotFound("plotly is not installed: pip install plotly (carnet depends on it)", field="name")
    return Path(spec.origin).parent / "package_data" / "plotly.min.js"


class AssetStore:
    """The files under ``static/`` of this package, plus ``plotly.min.js``."""

    def __init__(self) -> None:
        self._cache: dict[str, Asset] = {}
        self._lock = threading.Lock()
        folder = resources.files("carnet.studio") / "static"
        self._paths: dict[str, Path] = {
            entry.name: Path(str(entry))
            for entry in folder.iterdir()
            if entry.is_file() and Path(entry.name).suffix in _TYPES
        }
        # Without plotly the pages still work; their charts say plotly.js could not be loaded.
        with contextlib.suppress(NotFound):
            self._paths["plotly.min.js"] = _plotly_path()

    def get(self, name: str) -> Asset:
        asset = self._cache.get(name)
        if asset is not None:
            return asset
        path = self._paths.get(name)
        if path is None:
            raise NotFound(f"no studio file {name!r}", field="name")
        with self._lock:
            if name not in self._cache:
                body = path.read_bytes()
                self._cache[name] = Asset(
                    body,
                    gzip.compress(body, compresslevel=6),
                    _TYPES[path.suffix],
                    '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
                )
        return self._cache[name]
