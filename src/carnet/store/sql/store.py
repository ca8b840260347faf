"""The SQL tracking store: SQLite for one machine, PostgreSQL for a team. Composes the per-domain
modules of this package around one engine and one session scope."""

from __future__ import annotations

from collections.abc import Sequence

from carnet.entities import (
    DatasetInput,
    Experiment,
    LifecycleStage,
    LoggedModel,
    LoggedModelPage,
    LoggedModelStatus,
    Metric,
    MetricColumns,
    MetricInfo,
    MetricRecord,
    ModelOutput,
    Run,
    RunInfo,
    RunPage,
    RunStatus,
    ViewType,
)
from carnet.exceptions import InvalidArgument, NotFound
from carnet.store.base import LogBatch, NewLoggedModel, NewRun, RunStats, TrackingStore
from carnet.store.sql import datasets, experiments, logged_models, logging, metrics, runs
from carnet.store.sql.engine import SessionFactory, get_engine
from carnet.store.sql.job_store import SqlJobStore
from carnet.store.sql.models import ExperimentRow, RunRow
from carnet.store.sql.registry_store import SqlRegistryStore

MAX_RESULTS_LIMIT = 50_000


class SqlTrackingStore(SqlRegistryStore, SqlJobStore, TrackingStore):
    """A :class:`TrackingStore` on SQLAlchemy. ``database_url`` is a SQLAlchemy URL;
    ``artifact_root`` the folder under which experiments get their artifact locations. The model
    registry's methods come from :class:`SqlRegistryStore`, the job queue's from
    :class:`SqlJobStore`."""

    def __init__(self, database_url: str, artifact_root: str) -> None:
        self.database_url = database_url
        self.artifact_root = artifact_root
        self._sessions = SessionFactory(get_engine(database_url))
        self._ensure_default_experiment()
        self._ensure_local_target()

    def _ensure_default_experiment(self) -> None:
        with self._sessions.read() as session:
            if session.get(ExperimentRow, experiments.DEFAULT_EXPERIMENT_ID) is not None:
                return
        with self._sessions.begin() as session:
            if session.get(ExperimentRow, experiments.DEFAULT_EXPERIMENT_ID) is None:
                experiments.create(
                    session,
                    experiments.DEFAULT_EXPERIMENT_NAME,
                    self.artifact_root,
                    None,
                    {},
                    experiment_id=experiments.DEFAULT_EXPERIMENT_ID,
                )

    # -- experiments -------------------------------------------------------------------------

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: dict[str, str] | None = None
    ) -> str:
        with self._sessions.begin() as session:
            return str(experiments.create(session, name, self.artifact_root, artifact_location, tags or {}))

    def get_experiment(self, experiment_id: str) -> Experiment:
        with self._sessions.read() as session:
            row = experiments.load(session, experiment_id)
            return experiments.to_entity(
                row, experiments.tags_of(session, [row.experiment_id])[row.experiment_id]
            )

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        from sqlalchemy import select

        with self._sessions.read() as session:
            row = session.scalar(select(ExperimentRow).where(ExperimentRow.name == name))
            if row is None:
                return None
            return experiments.to_entity(
                row, experiments.tags_of(session, [row.experiment_id])[row.experiment_id]
            )

    def search_experiments(
        self, view_type: ViewType = ViewType.ACTIVE_ONLY, name_like: str | None = None
    ) -> list[Experiment]:
        with self._sessions.read() as session:
            rows = experiments.search(session, view_type, name_like)
            tags = experiments.tags_of(session, [r.experiment_id for r in rows])
            return [experiments.to_entity(r, tags[r.experiment_id]) for r in rows]

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        with self._sessions.begin() as session:
            experiments.rename(session, experiment_id, new_name)

    def delete_experiment(self, experiment_id: str) -> None:
        with self._sessions.begin() as session:
            experiments.set_stage(session, experiment_id, LifecycleStage.DELETED)

    def restore_experiment(self, experiment_id: str) -> None:
        with self._sessions.begin() as session:
            experiments.set_stage(session, experiment_id, LifecycleStage.ACTIVE)

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        with self._sessions.begin() as session:
            experiments.set_tag(session, experiment_id, key, value)

    # -- runs --------------------------------------------------------------------------------

    def create_run(self, new: NewRun) -> Run:
        with self._sessions.begin() as session:
            row = runs.create(session, new)
            return runs.with_data(session, [row])[0]

    def get_run(self, run_id: str) -> Run:
        with self._sessions.read() as session:
            return runs.with_data(session, [runs.load(session, run_id)])[0]

    def update_run(
        self,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
        description: str | None = None,
    ) -> RunInfo:
        with self._sessions.begin() as session:
            return runs.info_of(runs.update(session, run_id, status, end_time, run_name, description))

    def delete_run(self, run_id: str) -> None:
        with self._sessions.begin() as session:
            runs.set_stage(session, run_id, LifecycleStage.DELETED)

    def restore_run(self, run_id: str) -> None:
        with self._sessions.begin() as session:
            runs.set_stage(session, run_id, LifecycleStage.ACTIVE)

    def log_batch(self, run_id: str, batch: LogBatch) -> None:
        if not batch and batch.batch_id is None:
            with self._sessions.read() as session:
                runs.load(session, run_id)  # still say when the run does not exist
            return
        with self._sessions.begin() as session:
            logging.apply_batch(session, run_id, batch)

    def set_run_tags(self, run_id: str, tags: dict[str, str], deleted: Sequence[str] = ()) -> None:
        with self._sessions.begin() as session:
            logging.set_tags(session, run_id, tags, deleted)

    def experiment_run_stats(self, experiment_ids: Sequence[str]) -> dict[str, RunStats]:
        from sqlalchemy import func, select

        keys = [experiments.parse_experiment_id(i) for i in experiment_ids]
        if not keys:
            return {}
        last = func.max(func.coalesce(RunRow.end_time, RunRow.start_time))
        stmt = (
            select(RunRow.experiment_id, func.count(), last)
            .where(RunRow.experiment_id.in_(keys), RunRow.lifecycle_stage == LifecycleStage.ACTIVE.value)
            .group_by(RunRow.experiment_id)
        )
        with self._sessions.read() as session:
            return {
                str(eid): RunStats(int(count), int(latest or 0))
                for eid, count, latest in session.execute(stmt)
            }

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> RunPage:
        from carnet.search import decode_page_token, encode_page_token, parse_filter, parse_order_by
        from carnet.store.sql.search import find_run_ids

        _check_max_results(max_results)
        node = parse_filter(filter_string)
        keys = parse_order_by(list(order_by) if order_by else None)
        offset = decode_page_token(page_token)
        ids = [experiments.parse_experiment_id(e) for e in experiment_ids]
        with self._sessions.read() as session:
            for experiment_id in ids:
                if session.get(ExperimentRow, experiment_id) is None:
                    raise NotFound(f"experiment {experiment_id} does not exist", field="experiment_ids")
            run_ids = find_run_ids(session, ids, node, keys, view_type, offset, max_results + 1)
            more = len(run_ids) > max_results
            page = runs.load_many(session, run_ids[:max_results])
        return RunPage(page, encode_page_token(offset + max_results) if more else None)

    # -- metrics -----------------------------------------------------------------------------

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        return self.get_metric_columns(run_id, key).to_metrics()

    def get_metric_columns(self, run_id: str, key: str) -> MetricColumns:
        with self._sessions.read() as session:
            return metrics.columns(session, runs.load(session, run_id).run_key, key)

    def get_metric_infos(self, run_id: str) -> list[MetricInfo]:
        with self._sessions.read() as session:
            return metrics.infos(session, runs.load(session, run_id).run_key)

    def get_metric_records(self, run_id: str, key: str) -> list[MetricRecord]:
        with self._sessions.read() as session:
            return metrics.records(session, runs.load(session, run_id).run_key, key)

    # -- logged models -----------------------------------------------------------------------

    def create_logged_model(self, new: NewLoggedModel) -> LoggedModel:
        with self._sessions.begin() as session:
            return logged_models.to_entities(session, [logged_models.create(session, new)])[0]

    def get_logged_model(self, model_id: str) -> LoggedModel:
        with self._sessions.read() as session:
            return logged_models.to_entities(session, [logged_models.load(session, model_id)])[0]

    def finalize_logged_model(
        self, model_id: str, status: LoggedModelStatus, status_message: str | None = None
    ) -> LoggedModel:
        status = LoggedModelStatus.parse(status)
        with self._sessions.begin() as session:
            row = logged_models.finalize(session, model_id, status, status_message)
            return logged_models.to_entities(session, [row])[0]

    def delete_logged_model(self, model_id: str) -> None:
        with self._sessions.begin() as session:
            logged_models.delete(session, model_id)

    def set_logged_model_tags(self, model_id: str, tags: dict[str, str]) -> None:
        with self._sessions.begin() as session:
            logged_models.set_tags(session, model_id, tags)

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        with self._sessions.begin() as session:
            logged_models.delete_tag(session, model_id, key)

    def log_logged_model_params(self, model_id: str, params: dict[str, str]) -> None:
        with self._sessions.begin() as session:
            logged_models.log_params(session, model_id, params)

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> LoggedModelPage:
        from carnet.search import (
            decode_page_token,
            encode_page_token,
            parse_logged_model_filter,
            parse_logged_model_order_by,
        )

        _check_max_results(max_results)
        if not experiment_ids:
            raise InvalidArgument(
                "experiment_ids: name at least one experiment to search", field="experiment_ids"
            )
        node = parse_logged_model_filter(filter_string)
        keys = parse_logged_model_order_by(list(order_by) if order_by else None)
        offset = decode_page_token(page_token)
        ids = [experiments.parse_experiment_id(e) for e in experiment_ids]
        with self._sessions.read() as session:
            for experiment_id in ids:
                if session.get(ExperimentRow, experiment_id) is None:
                    raise NotFound(f"experiment {experiment_id} does not exist", field="experiment_ids")
            found = logged_models.search(session, ids, node, keys)
        page = found[offset : offset + max_results]
        more = len(found) > offset + max_results
        return LoggedModelPage(page, encode_page_token(offset + max_results) if more else None)

    def log_run_outputs(self, run_id: str, outputs: Sequence[ModelOutput]) -> None:
        with self._sessions.begin() as session:
            logged_models.log_outputs(session, run_id, outputs)

    def get_run_outputs(self, run_id: str) -> list[ModelOutput]:
        with self._sessions.read() as session:
            return logged_models.outputs_of(session, run_id)

    # -- dataset inputs ----------------------------------------------------------------------

    def log_inputs(self, run_id: str, inputs: Sequence[DatasetInput]) -> None:
        with self._sessions.begin() as session:
            datasets.log_inputs(session, run_id, inputs)

    def get_run_inputs(self, run_id: str) -> list[DatasetInput]:
        with self._sessions.read() as session:
            return datasets.inputs_of(session, run_id)

    def get_runs_inputs(self, run_ids: Sequence[str]) -> dict[str, list[DatasetInput]]:
        with self._sessions.read() as session:
            return datasets.inputs_of_runs(session, run_ids)


def _check_max_results(max_results: int) -> None:
    if (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 0 < max_results <= MAX_RESULTS_LIMIT
    ):
        raise InvalidArgument(
            f"max_results: must be an integer from 1 to {MAX_RESULTS_LIMIT}, got {max_results!r}",
            field="max_results",
        )
