"""Offline mode (``CARNET_MODE=offline``): runs for a carnet server, logged to the local spool only.

:class:`OfflineTrackingStore` stands in for the REST store and never opens a connection. Creating
a run writes a ``run`` record with an id chosen here (the id the run keeps on the server); its
batches and its final status follow it in the spool, and ``carnet sync`` uploads them all later,
in order, each once. Experiments are known by name only: a name resolves to a placeholder id here
and to the server's experiment (created if missing) at sync time. Run files go to a local folder
next to the spool and are uploaded just before the run's final status.

What needs answers from the server (searching runs, reading other runs, reading metric history
back) raises :class:`NotAvailableOffline`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from carnet.entities import (
    DatasetInput,
    Experiment,
    LoggedModel,
    LoggedModelPage,
    LoggedModelStatus,
    Metric,
    MetricInfo,
    MetricRecord,
    ModelOutput,
    Run,
    RunData,
    RunInfo,
    RunPage,
    RunStatus,
    ViewType,
)
from carnet.exceptions import NotAvailableOffline, RunNotActive
from carnet.sdk.spool import Spool
from carnet.store.base import LogBatch, NewLoggedModel, NewRun, TrackingStore
from carnet.store.registry_unavailable import RegistryUnavailable
from carnet.utils import generate_run_name, new_run_id, now_ms

# Experiments named offline get this id prefix until ``carnet sync`` resolves the name.
EXPERIMENT_PREFIX = "offline:"


def offline_error(what: str) -> NotAvailableOffline:
    return NotAvailableOffline(
        f"carnet is offline (CARNET_MODE=offline): {what} needs the carnet server; "
        "run carnet sync when connected, then try again online",
        field="CARNET_MODE",
    )


@dataclass
class _LocalRun:
    """What this process knows of a run it created offline: enough for ``get_run``."""

    info: RunInfo
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    latest: dict[str, Metric] = field(default_factory=dict)

    def apply(self, batch: LogBatch) -> None:
        self.params.update((p.key, p.value) for p in batch.params)
        self.tags.update((t.key, t.value) for t in batch.tags)
        for key in batch.deleted_tags:
            self.tags.pop(key, None)
        for metric in batch.metrics:
            known = self.latest.get(metric.key)
            if known is None or (metric.step, metric.timestamp) >= (known.step, known.timestamp):
                self.latest[metric.key] = metric

    def snapshot(self) -> Run:
        data = RunData(
            metrics={k: m.value for k, m in self.latest.items()},
            params=dict(self.params),
            tags=dict(self.tags),
        )
        return Run(self.info, data)


class OfflineTrackingStore(RegistryUnavailable, TrackingStore):
    """The tracking store of ``CARNET_MODE=offline`` for the carnet server at ``server_url``."""

    def __init__(self, server_url: str, spool: Spool | None = None) -> None:
        self.server_url = server_url.rstrip("/")
        self.spool = spool or Spool(self.server_url)
        self._runs: dict[str, _LocalRun] = {}
        self._lock = threading.Lock()

    def registry_unavailable(self, what: str) -> NotAvailableOffline:
        return offline_error(what)

    # -- experiments -------------------------------------------------------------------------

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: dict[str, str] | None = None
    ) -> str:
        self.spool.append_experiment(name, artifact_location, dict(tags or {}))
        return EXPERIMENT_PREFIX + name

    def get_experiment(self, experiment_id: str) -> Experiment:
        if not experiment_id.startswith(EXPERIMENT_PREFIX) or experiment_id == EXPERIMENT_PREFIX:
            raise offline_error(f"reading experiment {experiment_id}")
        return _placeholder(experiment_id[len(EXPERIMENT_PREFIX) :])

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        if not name:
            return None
        return _placeholder(name)  # resolved (and created if missing) by carnet sync

    def search_experiments(
        self, view_type: ViewType = ViewType.ACTIVE_ONLY, name_like: str | None = None
    ) -> list[Experiment]:
        raise offline_error("searching experiments")

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        raise offline_error("renaming an experiment")

    def delete_experiment(self, experiment_id: str) -> None:
        raise offline_error("deleting an experiment")

    def restore_experiment(self, experiment_id: str) -> None:
        raise offline_error("restoring an experiment")

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        raise offline_error("tagging an experiment")

    # -- runs --------------------------------------------------------------------------------

    def create_run(self, new: NewRun) -> Run:
        run_id = new.run_id or new_run_id()
        # Fixed here, not at sync time: the server stores the run as it was started.
        new = replace(
            new,
            run_id=run_id,
            run_name=new.run_name or generate_run_name(),
            start_time=new.start_time if new.start_time is not None else now_ms(),
        )
        experiment_name = (
            new.experiment_id[len(EXPERIMENT_PREFIX) :]
            if new.experiment_id.startswith(EXPERIMENT_PREFIX)
            else None
        )
        self.spool.append_run(new, experiment_name)
        assert new.run_name is not None and new.start_time is not None
        info = RunInfo(
            run_id=run_id,
            experiment_id=new.experiment_id,
            run_name=new.run_name,
            status=RunStatus.RUNNING,
            start_time=new.start_time,
            end_time=None,
            artifact_uri=str(self.spool.files_folder(run_id)),
            user_id=new.user_id,
            parent_run_id=new.parent_run_id,
            source_type=new.source_type,
            source_name=new.source_name,
            git_commit=new.git_commit,
            git_dirty=new.git_dirty,
            description=new.description,
        )
        local = _LocalRun(info, tags=dict(new.tags))
        with self._lock:
            self._runs[run_id] = local
            return local.snapshot()

    def _local(self, run_id: str, what: str) -> _LocalRun:
        local = self._runs.get(run_id)
        if local is None:
            raise offline_error(f"{what} of run {run_id} (not started in this process)")
        return local

    def get_run(self, run_id: str) -> Run:
        with self._lock:
            return self._local(run_id, "reading").snapshot()

    def update_run(
        self,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
        description: str | None = None,
    ) -> RunInfo:
        with self._lock:
            local = self._local(run_id, "updating")
            info = local.info
            if status is not None and info.status.is_terminal and status is not info.status:
                raise RunNotActive(
                    f"run {run_id} already ended as {info.status.value}; it cannot become {status.value}",
                    field="status",
                )
            if status is not None and status.is_terminal and end_time is None and info.end_time is None:
                end_time = now_ms()  # the time it ended, not the time it is synced
            self.spool.append_status(run_id, status, end_time, run_name=run_name, description=description)
            local.info = replace(
                info,
                status=status or info.status,
                end_time=end_time if end_time is not None else info.end_time,
                run_name=run_name if run_name is not None else info.run_name,
                description=description if description is not None else info.description,
            )
            return local.info

    def delete_run(self, run_id: str) -> None:
        raise offline_error("deleting a run")

    def restore_run(self, run_id: str) -> None:
        raise offline_error("restoring a run")

    def log_batch(self, run_id: str, batch: LogBatch) -> None:
        with self._lock:
            local = self._runs.get(run_id)
            if local is not None and local.info.status.is_terminal:
                raise RunNotActive(
                    f"run {run_id} is {local.info.status.value}: nothing more can be logged to it",
                    field="run_id",
                )
            # A run started elsewhere is spooled too: the server checks it at sync time.
            self.spool.append_batch(run_id, batch)
            if local is not None:
                local.apply(batch)

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> RunPage:
        raise offline_error("searching runs")

    # -- metrics -----------------------------------------------------------------------------

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        raise offline_error(f"reading the history of metric {key!r}")

    def get_metric_infos(self, run_id: str) -> list[MetricInfo]:
        raise offline_error("reading the metrics")

    def get_metric_records(self, run_id: str, key: str) -> list[MetricRecord]:
        raise offline_error(f"reading the values of metric {key!r}")

    # -- logged models: they live on the server --------------------------------------------

    def create_logged_model(self, new: NewLoggedModel) -> LoggedModel:
        raise offline_error("logging a model")

    def get_logged_model(self, model_id: str) -> LoggedModel:
        raise offline_error(f"reading model {model_id}")

    def finalize_logged_model(
        self, model_id: str, status: LoggedModelStatus, status_message: str | None = None
    ) -> LoggedModel:
        raise offline_error(f"finalizing model {model_id}")

    def delete_logged_model(self, model_id: str) -> None:
        raise offline_error(f"deleting model {model_id}")

    def set_logged_model_tags(self, model_id: str, tags: dict[str, str]) -> None:
        raise offline_error(f"tagging model {model_id}")

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        raise offline_error(f"tagging model {model_id}")

    def log_logged_model_params(self, model_id: str, params: dict[str, str]) -> None:
        raise offline_error(f"logging the params of model {model_id}")

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> LoggedModelPage:
        raise offline_error("searching models")

    def log_run_outputs(self, run_id: str, outputs: Sequence[ModelOutput]) -> None:
        raise offline_error("recording the models a run produced")

    def get_run_outputs(self, run_id: str) -> list[ModelOutput]:
        raise offline_error("reading the models a run produced")

    # -- dataset inputs: they live on the server, next to the experiment's datasets ------------

    def log_inputs(self, run_id: str, inputs: Sequence[DatasetInput]) -> None:
        raise offline_error("logging the datasets a run read")

    def get_run_inputs(self, run_id: str) -> list[DatasetInput]:
        raise offline_error("reading the datasets a run read")


def _placeholder(name: str) -> Experiment:
    return Experiment(experiment_id=EXPERIMENT_PREFIX + name, name=name, artifact_location="")
