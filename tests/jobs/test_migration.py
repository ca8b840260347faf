"""Migration 0007: the job tables come on top of existing data and leave with a downgrade."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from carnet.store.sql import engine as sql_engine

JOB_TABLES = {"compute_targets", "jobs", "job_logs"}


def test_jobs_migration_upgrades_keeping_data_and_downgrades_only_its_tables(tmp_path: Path) -> None:
    from alembic import command

    raw = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        config = sql_engine._alembic_config(raw)
        sql_engine.upgrade(raw)
        command.downgrade(config, "-1")  # the revision below the jobs'
        before = set(inspect(raw).get_table_names())
        assert not before & JOB_TABLES
        with raw.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                    "creation_time, last_update_time) VALUES (3, 'kept', '/a', 'active', 1, 1)"
                )
            )
        sql_engine.upgrade(raw)
        assert set(inspect(raw).get_table_names()) == before | JOB_TABLES
        with raw.connect() as conn:
            assert (
                conn.execute(text("SELECT name FROM experiments WHERE experiment_id = 3")).scalar() == "kept"
            )
        command.downgrade(config, "-1")
        assert set(inspect(raw).get_table_names()) == before
    finally:
        raw.dispose()
