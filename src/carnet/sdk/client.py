"""``Client``: explicit, synchronous access to a tracking store (MLflow's ``MlflowClient`` names).

Unlike a ``Run``, every call writes at once: use it for tools, back-fills and scripts that manage
runs rather than produce them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carnet.entities import Experiment, Metric, Param, Run, RunInfo, RunStatus, RunTag, ViewType
from carnet.exceptions import LimitExceeded
from carnet.sdk.workspace import Workspace
from carnet.store.artifacts.base import FileInfo
from carnet.store.base import LogBatch
from carnet.utils import now_ms
from carnet.validation import (
    MAX_BATCH_METRICS,
    MAX_BATCH_PARAMS,
    MAX_BATCH_TAGS,
    MAX_PARAM_VALUE_LENGTH,
    MAX_TAG_VALUE_LENGTH,
    check_artifact_location,
    check_entity_name,
    check_key,
    check_number,
    check_step,
    check_text,
)


class PagedList(list[Run]):
    """A page of runs; ``token`` fetches the next one (None on the last page)."""

    def __init__(self, items: Sequence[Run], token: str | None) -> None:
        super().__init__(items)
        self.token = token


class Client:
    """A client of one workspace (``tracking_uri`` as for :class:`carnet.Workspace`)."""

    def __init__(self, tracking_uri: str | None = None, artifact_root: str | None = None) -> None:
        if tracking_uri is None:
            from carnet.sdk import fluent

            tracking_uri = fluent._tracking_uri
        self.workspace = Workspace(tracking_uri, artifact_root)

    @property
    def _store(self) -> Any:
        return self.workspace.store

    # -- experiments -------------------------------------------------------------------------

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: dict[str, str] | None = None
    ) -> str:
        check_entity_name(name, "name")
        if artifact_location:
            check_artifact_location(artifact_location)
        return str(self._store.create_experiment(name, artifact_location, _clean_tags(tags or {})))

    def get_experiment(self, experiment_id: str) -> Experiment:
        return self._store.get_experiment(str(experiment_id))  # type: ignore[no-any-return]

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        return self._store.get_experiment_by_name(name)  # type: ignore[no-any-return]

    def search_experiments(self, view_type: ViewType = ViewType.ACTIVE_ONLY) -> list[Experiment]:
        return self._store.search_experiments(view_type)  # type: ignore[no-any-return]

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        self._store.rename_experiment(str(experiment_id), check_entity_name(new_name, "new_name"))

    def delete_experiment(self, experiment_id: str) -> None:
        self._store.delete_experiment(str(experiment_id))

    def restore_experiment(self, experiment_id: str) -> None:
        self._store.restore_experiment(str(experiment_id))

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        self._store.set_experiment_tag(
            str(experiment_id), check_key(key, "key"), check_text(value, f"tags.{key}", MAX_TAG_VALUE_LENGTH)
        )

    # -- runs --------------------------------------------------------------------------------

    def create_run(
        self,
        experiment_id: str,
        start_time: int | None = None,
        tags: dict[str, Any] | None = None,
        run_name: str | None = None,
        parent_run_id: str | None = None,
    ) -> Run:
        from carnet.sdk.source import new_run_request

        request = new_run_request(
            str(experiment_id),
            run_name=run_name,
            parent_run_id=parent_run_id,
            tags=tags,
            start_time=start_time,
        )
        return self._store.create_run(request)  # type: ignore[no-any-return]

    def get_run(self, run_id: str) -> Run:
        return self._store.get_run(run_id)  # type: ignore[no-any-return]

    def set_terminated(self, run_id: str, status: str = "FINISHED", end_time: int | None = None) -> RunInfo:
        return self._store.update_run(run_id, status=RunStatus.parse(status), end_time=end_time)  # type: ignore[no-any-return]

    def update_run(self, run_id: str, status: str | None = None, name: str | None = None) -> RunInfo:
        return self._store.update_run(  # type: ignore[no-any-return]
            run_id,
            status=RunStatus.parse(status) if status else None,
            run_name=check_entity_name(name, "name") if name is not None else None,
        )

    def delete_run(self, run_id: str) -> None:
        self._store.delete_run(run_id)

    def restore_run(self, run_id: str) -> None:
        self._store.restore_run(run_id)

    # -- logging -----------------------------------------------------------------------------

    def log_metric(
        self, run_id: str, key: str, value: Any, timestamp: int | None = None, step: int | None = None
    ) -> None:
        metric = Metric(
            check_key(key, "key"),
            check_number(value, key),
            now_ms() if timestamp is None else check_step(timestamp, "timestamp"),
            0 if step is None else check_step(step),
        )
        self._store.log_batch(run_id, LogBatch(metrics=[metric]))

    def log_param(self, run_id: str, key: str, value: Any) -> Any:
        self._store.log_batch(
            run_id,
            LogBatch(
                params=[
                    Param(check_key(key, "key"), check_text(value, f"params.{key}", MAX_PARAM_VALUE_LENGTH))
                ]
            ),
        )
        return value

    def set_tag(self, run_id: str, key: str, value: Any) -> None:
        self._store.log_batch(
            run_id,
            LogBatch(
                tags=[RunTag(check_key(key, "key"), check_text(value, f"tags.{key}", MAX_TAG_VALUE_LENGTH))]
            ),
        )

    def delete_tag(self, run_id: str, key: str) -> None:
        self._store.log_batch(run_id, LogBatch(deleted_tags=[check_key(key, "key")]))

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Write metrics, params and tags in one transaction (limits: 10,000 / 1,000 / 1,000)."""
        for items, limit, what in (
            (metrics, MAX_BATCH_METRICS, "metrics"),
            (params, MAX_BATCH_PARAMS, "params"),
            (tags, MAX_BATCH_TAGS, "tags"),
        ):
            if len(items) > limit:
                raise LimitExceeded(f"{what}: {len(items)} in one batch; the limit is {limit}", field=what)
        keys = {m.key for m in metrics}
        for key in keys:
            check_key(key, "metrics")
        for metric in metrics:
            if type(metric.value) is not float:
                check_number(metric.value, metric.key)
        clean_params = [
            Param(check_key(p.key, "params"), check_text(p.value, f"params.{p.key}", MAX_PARAM_VALUE_LENGTH))
            for p in params
        ]
        clean_tags = [
            RunTag(check_key(t.key, "tags"), check_text(t.value, f"tags.{t.key}", MAX_TAG_VALUE_LENGTH))
            for t in tags
        ]
        self._store.log_batch(run_id, LogBatch(metrics=list(metrics), params=clean_params, tags=clean_tags))

    # -- reading -----------------------------------------------------------------------------

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        return self._store.get_metric_history(run_id, key)  # type: ignore[no-any-return]

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        run_view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList:
        page = self._store.search_runs(
            [str(e) for e in experiment_ids], filter_string, run_view_type, max_results, order_by, page_token
        )
        return PagedList(page.runs, page.next_page_token)

    # -- files -------------------------------------------------------------------------------

    def _repo(self, run_id: str) -> Any:
        return self._store.artifact_repository(self.get_run(run_id).info.artifact_uri)

    def log_artifact(
        self, run_id: str, local_path: str | os.PathLike[str], artifact_path: str | None = None
    ) -> None:
        name = Path(local_path).name
        self._repo(run_id).log_file(
            local_path, f"{artifact_path.rstrip('/')}/{name}" if artifact_path else name
        )

    def log_artifacts(
        self, run_id: str, local_dir: str | os.PathLike[str], artifact_path: str | None = None
    ) -> None:
        self._repo(run_id).log_folder(local_dir, artifact_path)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        return self._repo(run_id).list_files(path)  # type: ignore[no-any-return]

    def download_artifacts(
        self, run_id: str, path: str, dst_path: str | os.PathLike[str] | None = None
    ) -> str:
        target = Path(dst_path) if dst_path is not None else Path.cwd()
        return str(self._repo(run_id).download(path, target / Path(path).name))


def _clean_tags(tags: dict[str, Any]) -> dict[str, str]:
    return {check_key(k, "tags"): check_text(v, f"tags.{k}", MAX_TAG_VALUE_LENGTH) for k, v in tags.items()}
