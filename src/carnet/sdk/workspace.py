"""``Workspace``: where runs are tracked. The embedded default is a ``.carnet/`` folder."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from carnet.config import Location, resolve_location
from carnet.exceptions import NotFound
from carnet.validation import check_entity_name

if TYPE_CHECKING:
    from carnet.entities import Experiment as ExperimentInfo
    from carnet.sdk.experiment import Experiment
    from carnet.sdk.run import Run
    from carnet.store.base import TrackingStore

_stores: dict[tuple[str, str], TrackingStore] = {}
_stores_lock = threading.Lock()


def store_for(location: Location) -> TrackingStore:
    """One store object per (database, artifact root) in a process, shared by every API style."""
    if location.offline and location.server_url:
        from carnet.sdk.spool import spool_path

        # Never the REST store: offline, nothing may contact the server.
        key = (f"offline:{spool_path(location.server_url)}", location.artifact_root)
    else:
        key = (location.server_url or location.database_url, location.artifact_root)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = _open(location)
        return store


def _open(location: Location) -> TrackingStore:
    if location.offline and location.server_url:
        from carnet.sdk.offline import OfflineTrackingStore

        return OfflineTrackingStore(location.server_url)
    from carnet.store import tracking_store

    return tracking_store(location)


class Workspace:
    """A tracking location: a SQLite file with an artifact folder, or a PostgreSQL database.

    ``Workspace()`` uses ``CARNET_TRACKING_URI`` when set, else the nearest ``.carnet/`` folder in
    this directory or a parent, else ``./.carnet/`` (created on first write).

    Args:
        uri: ``sqlite:///path.db``, ``postgresql://user@host/db`` or a folder path.
        artifact_root: folder for run files (default: next to the SQLite file, or
            ``CARNET_ARTIFACT_ROOT``).
    """

    def __init__(self, uri: str | None = None, artifact_root: str | None = None) -> None:
        self.location = resolve_location(uri, artifact_root)
        self._store: TrackingStore | None = None

    def __repr__(self) -> str:
        return f"Workspace({self.location.tracking_uri!r})"

    @property
    def tracking_uri(self) -> str:
        return self.location.tracking_uri

    @property
    def store(self) -> TrackingStore:
        """The tracking store (opening it creates the workspace folder and database if needed)."""
        if self._store is None:
            self._store = store_for(self.location)
        return self._store

    @property
    def experiments(self) -> dict[str, Experiment]:
        """Active experiments by name (Azure ML's ``ws.experiments``)."""
        from carnet.sdk.experiment import Experiment

        return {e.name: Experiment(self, e.name) for e in self.store.search_experiments()}

    def get_experiment_info(self, name: str) -> ExperimentInfo:
        check_entity_name(name, "name")
        info = self.store.get_experiment_by_name(name)
        if info is None:
            raise NotFound(f"experiment {name!r} does not exist", field="name")
        return info

    def get_run(self, run_id: str) -> Run:
        """An existing run, ready to read or (if still running) to log to."""
        from carnet.sdk.run import Run

        return Run.attach(self, run_id)
