"""The tables of the SQL store. Nothing outside ``carnet.store.sql`` sees these classes.

Layout chosen for the hot paths:

* ``metric_series`` has one row per (run, metric name): its kind, description, point count and the
  latest value, so search and run tables read one small table instead of scanning points.
* ``metric_chunks`` holds numeric points as packed arrays, one row per series per logged batch:
  writing a thousand points is a handful of rows and reading a million is a few hundred blobs.
* ``metric_records`` holds structured values (rows, tables, image references) as JSON.
* ``write_batches`` records each applied client batch id, which makes batch writes idempotent.

Runs have a public id (32 hex characters, MLflow's form) and an internal integer ``run_key`` that
every child table references: search intersects sets of run keys, and integers make that about
2.5 times faster than comparing 32-character strings.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ExperimentRow(Base):
    __tablename__ = "experiments"

    experiment_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(256), nullable=False, unique=True)
    artifact_location: Mapped[str] = mapped_column(Text, nullable=False)
    lifecycle_stage: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    creation_time: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_update_time: Mapped[int] = mapped_column(BigInteger, nullable=False)


class ExperimentTagRow(Base):
    __tablename__ = "experiment_tags"

    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


_RUN_KEY = BigInteger().with_variant(Integer, "sqlite")


def _run_key_fk() -> Mapped[int]:
    return mapped_column(_RUN_KEY, ForeignKey("runs.run_key", ondelete="CASCADE"), primary_key=True)


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_experiment_start", "experiment_id", "start_time"),
        Index("ix_runs_parent", "parent_run_id"),
    )

    # SQLite's rowid; PostgreSQL's bigserial.
    run_key: Mapped[int] = mapped_column(_RUN_KEY, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"), nullable=False
    )
    run_name: Mapped[str] = mapped_column(String(256), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    start_time: Mapped[int] = mapped_column(BigInteger, nullable=False)
    end_time: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    lifecycle_stage: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    artifact_uri: Mapped[str] = mapped_column(Text, nullable=False)
    user_id: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    parent_run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source_type: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    source_name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    git_commit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    git_dirty: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


def _value_indexes(table: str) -> tuple[Index, ...]:
    """Indexes that serve ``key = k AND value = v`` filters on params and tags.

    SQLite: one covering index (key, value, run_key), so the filter never touches the table.
    PostgreSQL: a B-tree entry is limited to ~2.7 kB and values may be longer, so (key, run_key) plus
    a hash index on the value, combined by a bitmap AND.
    """
    return (
        Index(f"ix_{table}_key_value", "key", "value", "run_key").ddl_if(dialect="sqlite"),
        Index(f"ix_{table}_key_run", "key", "run_key").ddl_if(dialect="postgresql"),
        Index(f"ix_{table}_value_hash", "value", postgresql_using="hash").ddl_if(dialect="postgresql"),
    )


class ParamRow(Base):
    __tablename__ = "params"
    __table_args__ = _value_indexes("params")

    run_key: Mapped[int] = _run_key_fk()
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(String(6000), nullable=False)


class TagRow(Base):
    __tablename__ = "tags"
    __table_args__ = _value_indexes("tags")

    run_key: Mapped[int] = _run_key_fk()
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class MetricSeriesRow(Base):
    __tablename__ = "metric_series"
    __table_args__ = (
        UniqueConstraint("run_key", "name"),
        # Covering for metric filters: the run keys come straight from the index.
        Index("ix_metric_series_name_last_value", "name", "last_value", "run_key"),
    )

    series_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_key: Mapped[int] = mapped_column(
        _RUN_KEY, ForeignKey("runs.run_key", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(250), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_timestamp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Columns of a row/table metric, in first-seen order (JSON list), so readers need not scan rows.
    columns: Mapped[str | None] = mapped_column(Text, nullable=True)


class MetricChunkRow(Base):
    """A run of consecutive points of one series, as it was logged in one batch.

    Three packed little-endian arrays (int64 steps and timestamps, float64 values, NaN and ±inf
    kept as they are) instead of a row per point: a batch of a thousand points is one row per
    series, and a long history reads back as a few hundred blobs.
    """

    __tablename__ = "metric_chunks"

    series_id: Mapped[int] = mapped_column(
        ForeignKey("metric_series.series_id", ondelete="CASCADE"), primary_key=True
    )
    # The series' point count before this chunk: increasing, so it also keeps logging order.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False)
    min_step: Mapped[int] = mapped_column(BigInteger, nullable=False)
    max_step: Mapped[int] = mapped_column(BigInteger, nullable=False)
    step_data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    timestamp_data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    value_data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class MetricRecordRow(Base):
    __tablename__ = "metric_records"

    series_id: Mapped[int] = mapped_column(
        ForeignKey("metric_series.series_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    timestamp: Mapped[int] = mapped_column(BigInteger, nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)


class WriteBatchRow(Base):
    __tablename__ = "write_batches"

    run_key: Mapped[int] = _run_key_fk()
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    applied_time: Mapped[int] = mapped_column(BigInteger, nullable=False)


# -- logged models (MLflow 3's log_model) ---------------------------------------------------------


class LoggedModelRow(Base):
    __tablename__ = "logged_models"
    __table_args__ = (Index("ix_logged_models_experiment_created", "experiment_id", "creation_timestamp_ms"),)

    model_id: Mapped[str] = mapped_column(String(34), primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    artifact_location: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    status_message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    creator_id: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    model_type: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    # No foreign key: a model outlives a run that is deleted for good.
    source_run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lifecycle_stage: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    creation_timestamp_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_updated_timestamp_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


def _model_id_fk() -> Mapped[str]:
    return mapped_column(ForeignKey("logged_models.model_id", ondelete="CASCADE"), primary_key=True)


class LoggedModelTagRow(Base):
    __tablename__ = "logged_model_tags"

    model_id: Mapped[str] = _model_id_fk()
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class LoggedModelParamRow(Base):
    __tablename__ = "logged_model_params"

    model_id: Mapped[str] = _model_id_fk()
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(String(6000), nullable=False)


class RunOutputRow(Base):
    """A logged model a run produced (MLflow's ``runs/outputs``)."""

    __tablename__ = "run_outputs"
    __table_args__ = (Index("ix_run_outputs_model_id", "model_id"),)

    run_key: Mapped[int] = _run_key_fk()
    model_id: Mapped[str] = _model_id_fk()
    step: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # Keeps the order outputs were recorded in.
    created_time: Mapped[int] = mapped_column(BigInteger, nullable=False)


# -- dataset inputs (MLflow's log_input) ----------------------------------------------------------


class DatasetRow(Base):
    """A dataset of an experiment, shared by every run of it that logs the same (name, digest)."""

    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("experiment_id", "name", "digest"),)

    dataset_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(500), nullable=False)
    digest: Mapped[str] = mapped_column(String(36), nullable=False)
    source_type: Mapped[str] = mapped_column(String(36), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    schema: Mapped[str] = mapped_column(Text, nullable=False, default="")
    profile: Mapped[str] = mapped_column(Text, nullable=False, default="")


class RunInputRow(Base):
    """A dataset a run logged as an input; ``input_key`` grows, so it keeps logging order."""

    __tablename__ = "run_inputs"
    __table_args__ = (
        UniqueConstraint("run_key", "dataset_key"),
        Index("ix_run_inputs_dataset_key", "dataset_key"),
    )

    input_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_key: Mapped[int] = mapped_column(
        _RUN_KEY, ForeignKey("runs.run_key", ondelete="CASCADE"), nullable=False
    )
    dataset_key: Mapped[int] = mapped_column(
        ForeignKey("datasets.dataset_key", ondelete="CASCADE"), nullable=False
    )


class RunInputTagRow(Base):
    __tablename__ = "run_input_tags"

    input_key: Mapped[int] = mapped_column(
        ForeignKey("run_inputs.input_key", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(500), nullable=False)


# -- model registry -------------------------------------------------------------------------------
#
# Registered models have an internal integer key that versions, tags, aliases and events reference,
# so a rename touches one row.


class RegisteredModelRow(Base):
    __tablename__ = "registered_models"

    model_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(256), nullable=False, unique=True)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The number the next version gets: numbers are never reused, not even after a delete.
    next_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    creation_timestamp: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_updated_timestamp: Mapped[int] = mapped_column(BigInteger, nullable=False)


def _registered_model_fk(primary_key: bool = True) -> Mapped[int]:
    return mapped_column(
        ForeignKey("registered_models.model_key", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


class RegisteredModelTagRow(Base):
    __tablename__ = "registered_model_tags"

    model_key: Mapped[int] = _registered_model_fk()
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class ModelVersionRow(Base):
    __tablename__ = "model_versions"
    __table_args__ = (Index("ix_model_versions_run_id", "run_id"),)

    model_key: Mapped[int] = _registered_model_fk()
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    current_stage: Mapped[str] = mapped_column(String(20), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    # Where the files are: ``source`` resolved (a logged model's location for models:/<id>).
    storage_location: Mapped[str] = mapped_column(Text, nullable=False)
    # No foreign keys: a version outlives a run or a logged model deleted for good.
    run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    model_id: Mapped[str | None] = mapped_column(String(34), nullable=True)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    user_id: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="READY")
    creation_timestamp: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_updated_timestamp: Mapped[int] = mapped_column(BigInteger, nullable=False)


class ModelVersionTagRow(Base):
    __tablename__ = "model_version_tags"
    __table_args__ = (
        ForeignKeyConstraint(
            ["model_key", "version"],
            ["model_versions.model_key", "model_versions.version"],
            ondelete="CASCADE",
            name="fk_model_version_tags_version_model_versions",
        ),
    )

    model_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class ModelAliasRow(Base):
    __tablename__ = "registered_model_aliases"
    __table_args__ = (
        ForeignKeyConstraint(
            ["model_key", "version"],
            ["model_versions.model_key", "model_versions.version"],
            ondelete="CASCADE",
            name="fk_registered_model_aliases_version_model_versions",
        ),
    )

    model_key: Mapped[int] = _registered_model_fk()
    alias: Mapped[str] = mapped_column(String(255), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


class ModelVersionEventRow(Base):
    """One stage or alias change, version creation or deletion; kept when the version is deleted."""

    __tablename__ = "model_version_events"
    __table_args__ = (Index("ix_model_version_events_model_version", "model_key", "version"),)

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_key: Mapped[int] = _registered_model_fk(primary_key=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    from_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    to_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_id: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    timestamp: Mapped[int] = mapped_column(BigInteger, nullable=False)


class EndpointRow(Base):
    """A managed scoring endpoint; its callers' key is kept as a SHA-256 hash."""

    __tablename__ = "endpoints"

    endpoint_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class DeploymentRow(Base):
    """One model behind an endpoint: what it should serve (model URI, traffic) and what the
    supervisor last saw of its scoring process (status, message, resolved version, port, pid)."""

    __tablename__ = "endpoint_deployments"

    endpoint_key: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("endpoints.endpoint_key", ondelete="CASCADE"),
        primary_key=True,
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_uri: Mapped[str] = mapped_column(Text, nullable=False)
    traffic: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    resolved_uri: Mapped[str | None] = mapped_column(Text, nullable=True)
    port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    restarts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


# -- jobs (migration 0007) -----------------------------------------------------------------------


class ComputeTargetRow(Base):
    __tablename__ = "compute_targets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    max_concurrent_jobs: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    address: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_time: Mapped[int] = mapped_column(BigInteger, nullable=False)


class JobRow(Base):
    """One job per run (keyed by the run's ``run_key``); the queue is the Queued rows by age."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_compute_created", "status", "compute", "created_time"),
        Index("ix_jobs_created", "created_time"),
    )

    run_key: Mapped[int] = _run_key_fk()
    compute: Mapped[str] = mapped_column(
        String(64), ForeignKey("compute_targets.name", ondelete="RESTRICT"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    script: Mapped[str] = mapped_column(Text, nullable=False)
    arguments: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list
    environment_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    environment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    worker_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_time: Mapped[int] = mapped_column(BigInteger, nullable=False)
    start_time: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    running_time: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    end_time: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    heartbeat_time: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class JobLogRow(Base):
    """A job's output as it arrives: one row per chunk a worker sent, numbered from 1."""

    __tablename__ = "job_logs"

    run_key: Mapped[int] = mapped_column(
        _RUN_KEY, ForeignKey("jobs.run_key", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
