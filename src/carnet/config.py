"""Where carnet keeps things: the workspace folder, the tracking URI and the artifact root.

Read once at the edges (SDK entry points, CLI) and passed down as a :class:`Location`.

* Nothing set: the nearest ``.carnet/`` folder in this directory or a parent (the way git finds
  ``.git``), else ``./.carnet/`` -- created on first write. It holds ``carnet.db`` (SQLite) and
  ``artifacts/``.
* ``CARNET_TRACKING_URI`` or an explicit ``uri``: ``sqlite:///path.db``, ``postgresql://...``, a
  plain folder path used as a workspace folder, or ``http(s)://host:port`` for a carnet server.
  With a server, carnet's SDK writes run files itself, to the run's artifact location (a folder
  both can reach, or ``s3://``); MLflow clients go through the server's artifact proxy.
* ``CARNET_ARTIFACT_ROOT``: where run files go when the tracking URI does not imply a folder.
* ``CARNET_MODE``: ``online`` (the default) or ``offline``. Offline, runs tracked to a carnet server
  are written to the local spool only, never to the server, and uploaded later by ``carnet sync``.
  The embedded stores are local anyway: the mode changes nothing for them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

from carnet.exceptions import InvalidArgument

WORKSPACE_DIRNAME = ".carnet"
DATABASE_FILENAME = "carnet.db"
ARTIFACTS_DIRNAME = "artifacts"

ENV_TRACKING_URI = "CARNET_TRACKING_URI"
ENV_ARTIFACT_ROOT = "CARNET_ARTIFACT_ROOT"
ENV_MODE = "CARNET_MODE"
MODES = ("online", "offline")

_SQL_SCHEMES = ("sqlite", "postgresql", "postgres")


@dataclass(frozen=True)
class Location:
    """A resolved tracking location.

    ``database_url`` is a SQLAlchemy URL; ``artifact_root`` an absolute folder path;
    ``workspace_dir`` the ``.carnet`` folder when the embedded default is used; ``server_url`` the
    base URL of a carnet server (then ``database_url`` is empty); ``offline`` whether that server
    must not be contacted (``CARNET_MODE=offline``).
    """

    tracking_uri: str
    database_url: str
    artifact_root: str
    workspace_dir: Path | None = None
    server_url: str | None = None
    offline: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        return Path(self.database_url.split(":///", 1)[1])

    def exists(self) -> bool:
        """Whether the database is there already (always true for a database or tracking server)."""
        path = self.sqlite_path
        return path is None or path.exists()


def find_workspace_dir(start: Path | None = None) -> Path | None:
    """The nearest existing ``.carnet`` folder in ``start`` (default: cwd) or one of its parents."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / WORKSPACE_DIRNAME
        if candidate.is_dir():
            return candidate
    return None


def workspace_location(folder: Path) -> Location:
    folder = folder.resolve()
    db = folder / DATABASE_FILENAME
    return Location(
        tracking_uri=str(folder),
        database_url=f"sqlite:///{db}",
        artifact_root=str(folder / ARTIFACTS_DIRNAME),
        workspace_dir=folder,
    )


def resolve_location(uri: str | None = None, artifact_root: str | None = None) -> Location:
    """Turn a tracking URI (or the environment, or the default workspace) into a :class:`Location`."""
    uri = uri or os.environ.get(ENV_TRACKING_URI) or None
    artifact_root = artifact_root or os.environ.get(ENV_ARTIFACT_ROOT) or None
    if uri is None:
        folder = find_workspace_dir() or Path.cwd() / WORKSPACE_DIRNAME
        location = workspace_location(folder)
    else:
        location = _location_from_uri(uri)
    if artifact_root:
        location = replace(location, artifact_root=_absolute_root(artifact_root))
    if tracking_mode() == "offline" and location.server_url:  # the mode is checked everywhere
        location = replace(location, offline=True)
    return location


def tracking_mode() -> str:
    """``CARNET_MODE``: ``online`` (the default) or ``offline``; anything else is refused."""
    mode = (os.environ.get(ENV_MODE) or "online").strip().lower()
    if mode not in MODES:
        raise InvalidArgument(
            f"{ENV_MODE}: {os.environ.get(ENV_MODE)!r} is not a mode; use online (the default) or offline",
            field=ENV_MODE,
        )
    return mode


def _location_from_uri(uri: str) -> Location:
    scheme = urlparse(uri).scheme.split("+", 1)[0].lower()
    if scheme in ("http", "https"):
        parsed = urlparse(uri)
        if not parsed.netloc:
            raise InvalidArgument(
                f"tracking_uri: {uri!r} names no host; use e.g. http://127.0.0.1:5000", field="tracking_uri"
            )
        default_root = (find_workspace_dir() or Path.cwd() / WORKSPACE_DIRNAME) / ARTIFACTS_DIRNAME
        return Location(uri, "", str(default_root.resolve()), server_url=uri.rstrip("/"))
    if scheme == "sqlite":
        path = uri.split(":///", 1)[1] if ":///" in uri else ""
        if not path or path == ":memory:":
            raise InvalidArgument(
                "tracking_uri: use a SQLite file, e.g. sqlite:///runs.db (an in-memory database loses runs)",
                field="tracking_uri",
            )
        db = Path(path).expanduser().resolve()
        return Location(uri, f"sqlite:///{db}", str(db.parent / ARTIFACTS_DIRNAME))
    if scheme in ("postgresql", "postgres"):
        rest = uri.split("://", 1)[1]
        default_root = (find_workspace_dir() or Path.cwd() / WORKSPACE_DIRNAME) / ARTIFACTS_DIRNAME
        return Location(uri, f"postgresql+psycopg://{rest}", str(default_root.resolve()))
    if scheme in ("", "file"):
        folder = Path(urlparse(uri).path if scheme == "file" else uri).expanduser()
        if folder.name != WORKSPACE_DIRNAME and (folder / WORKSPACE_DIRNAME).is_dir():
            folder = folder / WORKSPACE_DIRNAME
        return workspace_location(folder)
    raise InvalidArgument(
        f"tracking_uri: unsupported scheme {scheme!r}; use sqlite:///file.db, postgresql://user@host/db, "
        "http://host:port (a carnet server) or a folder path",
        field="tracking_uri",
    )


def _absolute_root(root: str) -> str:
    parsed = urlparse(root)
    if parsed.scheme in ("", "file"):
        return str(Path(parsed.path if parsed.scheme == "file" else root).expanduser().resolve())
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise InvalidArgument(
                f"artifact_root: {root!r} names no bucket; use e.g. s3://bucket/prefix", field="artifact_root"
            )
        return root.rstrip("/")
    raise InvalidArgument(
        f"artifact_root: {root!r}: only local folders and s3://bucket/prefix are supported as artifact roots",
        field="artifact_root",
    )
