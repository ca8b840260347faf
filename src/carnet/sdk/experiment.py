"""``Experiment``: a named group of runs (Azure ML style)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from carnet.entities import ViewType
from carnet.exceptions import AlreadyExists
from carnet.validation import check_entity_name

if TYPE_CHECKING:
    from carnet.entities import Experiment as ExperimentInfo
    from carnet.sdk.run import Run
    from carnet.sdk.script_run import ScriptRunConfig
    from carnet.sdk.workspace import Workspace


class Experiment:
    """The experiment ``name`` in ``workspace``, created if it does not exist yet.

    Example::

        ws = carnet.Workspace()
        exp = carnet.Experiment(ws, "diabetes-ridge")
        with exp.start_logging(display_name="alpha=0.1") as run:
            run.log("rmse", 54.2)
    """

    def __init__(self, workspace: Workspace, name: str) -> None:
        check_entity_name(name, "name")
        self.workspace = workspace
        self.name = name
        store = workspace.store
        info = store.get_experiment_by_name(name)
        if info is None:
            with contextlib.suppress(AlreadyExists):  # created meanwhile by another process
                store.create_experiment(name)
            info = store.get_experiment_by_name(name)
        assert info is not None
        self._info: ExperimentInfo = info

    def __repr__(self) -> str:
        return f"Experiment(name={self.name!r}, id={self.id!r})"

    @property
    def id(self) -> str:
        return self._info.experiment_id

    @property
    def info(self) -> ExperimentInfo:
        """A fresh snapshot of the stored experiment."""
        self._info = self.workspace.store.get_experiment(self.id)
        return self._info

    def start_logging(
        self,
        display_name: str | None = None,
        *,
        description: str = "",
        tags: dict[str, str] | None = None,
        snapshot_directory: str | None = None,
    ) -> Run:
        """Start a run in this experiment; usable as a context manager that completes it.

        ``snapshot_directory`` is accepted for Azure ML compatibility; code snapshots come with jobs.
        """
        from carnet.sdk.run import Run

        del snapshot_directory
        return Run.start(self.workspace, self.id, run_name=display_name, description=description, tags=tags)

    def submit(self, config: ScriptRunConfig, tags: dict[str, str] | None = None) -> Run:
        """Submit a script as a job (``ScriptRunConfig``); returns the job's run, queued. Follow it
        with ``run.wait_for_completion(show_output=True)``."""
        from carnet.sdk.script_run import submit

        return submit(self, config, tags)

    def get_runs(self, *, include_children: bool = False, filter: str | None = None) -> Iterator[Run]:
        """The experiment's runs, newest first (top-level runs only unless ``include_children``)."""
        from carnet.sdk.run import Run

        store = self.workspace.store
        query = filter or ""
        if not include_children:
            query = (
                f"({query}) AND attributes.parent_run_id IS NULL"
                if query
                else "attributes.parent_run_id IS NULL"
            )
        token: str | None = None
        while True:
            page = store.search_runs([self.id], query, ViewType.ACTIVE_ONLY, 1000, None, token)
            for entity in page.runs:
                yield Run.from_entity(self.workspace, entity)
            token = page.next_page_token
            if not token:
                return

    def archive(self) -> None:
        """Soft-delete the experiment (restorable with :meth:`reactivate`)."""
        self.workspace.store.delete_experiment(self.id)

    def reactivate(self) -> None:
        self.workspace.store.restore_experiment(self.id)
