"""Schema migrations: new databases start at head, the ORM matches the migrated schema, and an
out-of-date database is refused until ``carnet db upgrade``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from carnet.config import resolve_location
from carnet.entities import Dataset, DatasetInput
from carnet.exceptions import SchemaOutOfDate, StoreError
from carnet.store.sql import engine as sql_engine
from carnet.store.sql.models import Base
from carnet.store.sql.store import SqlTrackingStore

TABLES = {
    "alembic_version",
    "experiments",
    "experiment_tags",
    "runs",
    "params",
    "tags",
    "metric_series",
    "metric_chunks",
    "metric_records",
    "write_batches",
    "logged_models",
    "logged_model_tags",
    "logged_model_params",
    "run_outputs",
    "registered_models",
    "registered_model_tags",
    "model_versions",
    "model_version_tags",
    "registered_model_aliases",
    "model_version_events",
    "datasets",
    "run_inputs",
    "run_input_tags",
    "endpoints",
    "endpoint_deployments",
    "compute_targets",
    "jobs",
    "job_logs",
}
ENDPOINT_TABLES = {"endpoints", "endpoint_deployments"}
JOB_TABLES = {"compute_targets", "jobs", "job_logs"}


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    """Engines a test creates itself (outside the shared cache), disposed afterwards."""
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def _database_url(store_uri: str, tmp_path: Path) -> str:
    return resolve_location(store_uri, str(tmp_path / "artifacts")).database_url


def _schema_differences(engine: Engine) -> list[object]:
    """What Alembic's autogenerate would change to make the database match the models.

    Types and server defaults are compared too. One adjustment, which ignores no real
    difference: some indexes exist on one backend only (``Index(...).ddl_if(dialect=...)``:
    a covering index on SQLite, (key, run_id) plus a hash index on PostgreSQL). SQLAlchemy's
    ``create_all`` honours that condition but autogenerate does not, so an index conditioned on
    the other dialect is left out of the model side here. An unexpected index found in the
    database is still reported (reflected objects are never filtered).
    """

    def include_object(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        if type_ != "index" or reflected:
            return True
        condition = getattr(obj, "_ddl_if", None)  # set by Index.ddl_if(); no public accessor
        if condition is None:
            return True
        assert condition.callable_ is None, f"index {name}: only dialect conditions are understood here"
        dialects = (condition.dialect,) if isinstance(condition.dialect, str) else tuple(condition.dialect)
        return engine.dialect.name in dialects

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "compare_server_default": True, "include_object": include_object},
        )
        return list(compare_metadata(context, Base.metadata))


def test_head_revision_is_the_newest_script() -> None:
    assert sql_engine.head_revision() == "0007"


def test_new_sqlite_file_is_created_at_head(sqlite_uri: str, tmp_path: Path) -> None:
    db = tmp_path / "store" / "carnet.db"
    assert not db.exists()
    store = SqlTrackingStore(sqlite_uri, str(tmp_path / "artifacts"))
    assert db.is_file()
    engine = sql_engine.get_engine(sqlite_uri)
    assert sql_engine.current_revision(engine) == sql_engine.head_revision()
    assert set(inspect(engine).get_table_names()) == TABLES
    assert store.get_experiment("0").name == "Default"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_new_store_is_at_head(store_uri: str, tmp_path: Path) -> None:
    url = _database_url(store_uri, tmp_path)
    SqlTrackingStore(url, str(tmp_path / "artifacts"))
    engine = sql_engine.get_engine(url)
    assert sql_engine.current_revision(engine) == sql_engine.head_revision()
    assert set(inspect(engine).get_table_names()) == TABLES


def test_orm_metadata_matches_migrated_schema(store_uri: str, tmp_path: Path) -> None:
    """The migration and the models agree on tables, columns, types, nullability, indexes,
    unique constraints and foreign keys, on both backends (see ``_schema_differences``)."""
    url = _database_url(store_uri, tmp_path)
    engine = sql_engine.get_engine(url)  # migrates the fresh database
    assert _schema_differences(engine) == []
    # The conditional indexes are really there, on their backend only.
    indexes = {ix["name"] for table in ("params", "tags") for ix in inspect(engine).get_indexes(table)}
    if engine.dialect.name == "sqlite":
        assert indexes == {"ix_params_key_value", "ix_tags_key_value"}
    else:
        assert indexes == {
            "ix_params_key_run",
            "ix_params_value_hash",
            "ix_tags_key_run",
            "ix_tags_value_hash",
        }


def test_reopening_an_up_to_date_database_works(store_uri: str, tmp_path: Path) -> None:
    url = _database_url(store_uri, tmp_path)
    first = SqlTrackingStore(url, str(tmp_path / "artifacts"))
    experiment_id = first.create_experiment("kept")
    sql_engine.dispose_engines()  # forget the cached engine: the next open checks the schema again
    second = SqlTrackingStore(url, str(tmp_path / "artifacts"))
    assert second.get_experiment(experiment_id).name == "kept"
    assert [e.name for e in second.search_experiments()] == ["Default", "kept"]


def test_database_at_an_older_revision_is_refused(
    store_uri: str, tmp_path: Path, engines: list[Engine]
) -> None:
    url = _database_url(store_uri, tmp_path)
    SqlTrackingStore(url, str(tmp_path / "artifacts"))
    sql_engine.dispose_engines()
    raw = create_engine(url)
    engines.append(raw)
    with raw.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))

    with pytest.raises(SchemaOutOfDate) as info:
        SqlTrackingStore(url, str(tmp_path / "artifacts"))
    assert isinstance(info.value, StoreError)
    assert "carnet db upgrade" in info.value.message
    assert "0000" in info.value.message
    assert sql_engine.head_revision() in info.value.message
    # Still refused on the next try: nothing was changed or cached.
    with pytest.raises(SchemaOutOfDate):
        SqlTrackingStore(url, str(tmp_path / "artifacts"))
    with raw.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0000"


def test_tables_without_a_revision_are_refused(tmp_path: Path, engines: list[Engine]) -> None:
    """A database made by hand (or by a carnet before migrations) has tables but no revision."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    raw = create_engine(url)
    engines.append(raw)
    with raw.begin() as conn:
        conn.execute(text("CREATE TABLE runs (run_id VARCHAR(32) PRIMARY KEY)"))
    with pytest.raises(SchemaOutOfDate, match="carnet db upgrade") as info:
        SqlTrackingStore(url, str(tmp_path / "artifacts"))
    assert "None" in info.value.message
    assert set(inspect(raw).get_table_names()) == {"runs"}


def test_ensure_schema_refuses_a_stale_engine(tmp_path: Path, engines: list[Engine]) -> None:
    url = f"sqlite:///{tmp_path / 'stale.db'}"
    raw = create_engine(url)
    engines.append(raw)
    sql_engine.upgrade(raw)
    assert sql_engine.current_revision(raw) == sql_engine.head_revision()
    sql_engine.ensure_schema(raw)  # at head: nothing to do
    with raw.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaOutOfDate, match="carnet db upgrade"):
        sql_engine.ensure_schema(raw)


def test_upgrade_on_an_empty_postgresql_schema(
    postgres_uri: str, tmp_path: Path, engines: list[Engine]
) -> None:
    raw = create_engine(postgres_uri)
    engines.append(raw)
    assert inspect(raw).get_table_names() == []
    assert sql_engine.current_revision(raw) is None

    sql_engine.upgrade(raw)
    assert sql_engine.current_revision(raw) == sql_engine.head_revision()
    assert set(inspect(raw).get_table_names()) == TABLES
    sql_engine.upgrade(raw)  # already at head: a no-op
    assert sql_engine.current_revision(raw) == sql_engine.head_revision()
    sql_engine.ensure_schema(raw)

    # The upgraded schema matches the models and works as a store.
    assert _schema_differences(raw) == []
    store = SqlTrackingStore(postgres_uri, str(tmp_path / "artifacts"))
    assert store.get_experiment("0").name == "Default"
    assert store.create_experiment("after-upgrade") == "1"


def test_upgrade_on_an_empty_sqlite_file(tmp_path: Path, engines: list[Engine]) -> None:
    raw = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    engines.append(raw)
    sql_engine.upgrade(raw)
    assert sql_engine.current_revision(raw) == sql_engine.head_revision()
    assert set(inspect(raw).get_table_names()) == TABLES


def test_points_move_into_chunks_on_upgrade_from_0001(
    store_uri: str, tmp_path: Path, engines: list[Engine]
) -> None:
    """A database written by revision 0001 (a row per point, NaN as NULL) keeps every point, in
    step order with logging order among equal steps, NaN and infinities included."""
    url = _database_url(store_uri, tmp_path)
    (tmp_path / "store").mkdir(exist_ok=True)
    raw = create_engine(url)
    engines.append(raw)
    sql_engine.upgrade(raw, "0001")
    with raw.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                "creation_time, last_update_time) VALUES (1, 'old', '/tmp/a', 'active', 0, 0)"
            )
        )
    points = [(3, 30, 0.3), (1, 10, None), (2, 20, float("inf")), (1, 11, -1.5)]
    with raw.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO runs (run_id, experiment_id, run_name, user_id, status, start_time, "
                "lifecycle_stage, artifact_uri, source_type, source_name, description) VALUES "
                "('r0', 1, 'old-run', '', 'Running', 0, 'active', '/tmp/a/r0', '', '', '')"
            )
        )
        run_key = conn.execute(text("SELECT run_key FROM runs WHERE run_id = 'r0'")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO metric_series (run_key, name, kind, description, count) "
                "VALUES (:r, 'loss', 'series', '', 4)"
            ),
            {"r": run_key},
        )
        series_id = conn.execute(text("SELECT series_id FROM metric_series")).scalar_one()
        for step, timestamp, value in points:
            conn.execute(
                text(
                    "INSERT INTO metric_points (series_id, step, timestamp, value) VALUES (:s, :st, :t, :v)"
                ),
                {"s": series_id, "st": step, "t": timestamp, "v": value},
            )
    sql_engine.upgrade(raw)
    assert sql_engine.current_revision(raw) == sql_engine.head_revision()
    assert _schema_differences(raw) == []
    sql_engine.dispose_engines()
    history = SqlTrackingStore(url, str(tmp_path / "artifacts")).get_metric_history("r0", "loss")
    assert [(m.step, m.timestamp) for m in history] == [(1, 10), (1, 11), (2, 20), (3, 30)]
    values = [m.value for m in history]
    assert values[0] != values[0]  # NaN (stored as NULL by 0001)
    assert values[1:] == [-1.5, float("inf"), 0.3]


def test_upgrade_from_0002_adds_logged_models_and_keeps_data(
    store_uri: str, tmp_path: Path, engines: list[Engine]
) -> None:
    url = _database_url(store_uri, tmp_path)
    if url.startswith("sqlite"):
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    raw = create_engine(url)
    engines.append(raw)
    sql_engine.upgrade(raw, "0002")
    assert "logged_models" not in inspect(raw).get_table_names()
    with raw.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                "creation_time, last_update_time) VALUES (7, 'old', '/a/7', 'active', 1, 1)"
            )
        )
    sql_engine.upgrade(raw)
    assert sql_engine.current_revision(raw) == sql_engine.head_revision()
    assert set(inspect(raw).get_table_names()) == TABLES
    assert _schema_differences(raw) == []
    store = SqlTrackingStore(url, str(tmp_path / "artifacts"))
    assert store.get_experiment("7").name == "old"


def test_upgrade_from_0004_adds_dataset_inputs_and_keeps_data(
    store_uri: str, tmp_path: Path, engines: list[Engine]
) -> None:
    url = _database_url(store_uri, tmp_path)
    if url.startswith("sqlite"):
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    raw = create_engine(url)
    engines.append(raw)
    sql_engine.upgrade(raw, "0004")
    assert "run_inputs" not in inspect(raw).get_table_names()
    with raw.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                "creation_time, last_update_time) VALUES (7, 'old', '/a/7', 'active', 1, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO runs (run_id, experiment_id, run_name, user_id, status, start_time, "
                "lifecycle_stage, artifact_uri, source_type, source_name, description) VALUES "
                "(:r, 7, 'old-run', '', 'Running', 0, 'active', '/a/7/r', '', '', '')"
            ),
            {"r": "a" * 32},
        )
        conn.execute(
            text(
                "INSERT INTO registered_models (name, description, next_version, creation_timestamp, "
                "last_updated_timestamp) VALUES ('clf', '', 1, 1, 1)"
            )
        )
    sql_engine.upgrade(raw)
    assert sql_engine.current_revision(raw) == sql_engine.head_revision()
    assert set(inspect(raw).get_table_names()) == TABLES
    assert _schema_differences(raw) == []
    sql_engine.dispose_engines()
    store = SqlTrackingStore(url, str(tmp_path / "artifacts"))
    assert store.get_experiment("7").name == "old"
    assert store.get_run("a" * 32).info.run_name == "old-run"
    assert store.get_registered_model("clf").name == "clf"
    # The old run takes dataset inputs now.
    iris = DatasetInput(Dataset("iris", "1a2b3c4d", "local", "iris.csv"), {"mlflow.data.context": "training"})
    store.log_inputs("a" * 32, [iris])
    assert store.get_run_inputs("a" * 32) == [iris]


def test_downgrade_to_0004_drops_only_dataset_inputs(tmp_path: Path, engines: list[Engine]) -> None:
    raw = create_engine(f"sqlite:///{tmp_path / 'down.db'}")
    engines.append(raw)
    sql_engine.upgrade(raw)
    from alembic import command

    command.downgrade(sql_engine._alembic_config(raw), "0004")
    assert sql_engine.current_revision(raw) == "0004"
    assert (
        set(inspect(raw).get_table_names())
        == TABLES - {"datasets", "run_inputs", "run_input_tags"} - ENDPOINT_TABLES - JOB_TABLES
    )


def test_upgrade_from_0005_adds_endpoints_and_jobs_and_downgrade_drops_only_those(
    tmp_path: Path, engines: list[Engine]
) -> None:
    from carnet.store.endpoints import NewDeployment
    from carnet.store.sql.endpoints import SqlEndpointStore

    url = f"sqlite:///{tmp_path / 'up.db'}"
    raw = create_engine(url)
    engines.append(raw)
    sql_engine.upgrade(raw, "0005")
    with raw.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                "creation_time, last_update_time) VALUES (7, 'old', '/a/7', 'active', 1, 1)"
            )
        )
    sql_engine.upgrade(raw)
    assert set(inspect(raw).get_table_names()) == TABLES
    assert _schema_differences(raw) == []
    sql_engine.dispose_engines()
    assert SqlTrackingStore(url, str(tmp_path / "artifacts")).get_experiment("7").name == "old"
    SqlEndpointStore(url).create_endpoint("e", [NewDeployment("default", "models:/m/1", 100)], "0" * 64)
    sql_engine.dispose_engines()
    from alembic import command

    command.downgrade(sql_engine._alembic_config(raw), "0005")
    assert set(inspect(raw).get_table_names()) == TABLES - ENDPOINT_TABLES - JOB_TABLES
