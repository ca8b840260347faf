"""build_run_select against real databases: which runs come back, and in which order.

Every test runs on a SQLite file and on PostgreSQL (a fresh schema per test, marked
``postgres``; skipped when the server is not reachable, except under CI). The same
expectations hold for both.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from carnet.entities import ViewType
from carnet.search import ATTRIBUTE_NAMES, parse_filter, parse_order_by
from carnet.store.sql.models import Base, ExperimentRow, MetricSeriesRow, ParamRow, RunRow, TagRow
from carnet.store.sql.search import build_run_select, configure_sqlite_connection

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# ---------------------------------------------------------------------------------------------
# Data: experiment 1 holds active runs r1 r2 r3 r6 and deleted r4; experiment 2 holds r5.
# Default order (start_time DESC, run_id ASC): r3 and r6 share start_time 3000 -> r3, r6, r2, r1.
# ---------------------------------------------------------------------------------------------

RUNS: list[dict[str, Any]] = [
    dict(
        run_id="r1", experiment_id=1, run_name="alpha-run", status="Completed", start_time=1000,
        end_time=2000, lifecycle_stage="active", user_id="alice", parent_run_id=None,
        git_commit="abc123", source_name="train.py",
    ),
    dict(
        run_id="r2", experiment_id=1, run_name="beta-run", status="Failed", start_time=2000,
        end_time=3000, lifecycle_stage="active", user_id="bob", parent_run_id="r1",
        git_commit=None, source_name="train.py",
    ),
    dict(
        run_id="r3", experiment_id=1, run_name="gamma", status="Running", start_time=3000,
        end_time=None, lifecycle_stage="active", user_id="alice", parent_run_id=None,
        git_commit=None, source_name="",
    ),
    dict(
        run_id="r4", experiment_id=1, run_name="delta", status="Completed", start_time=4000,
        end_time=5000, lifecycle_stage="deleted", user_id="bob", parent_run_id=None,
        git_commit=None, source_name="eval.py",
    ),
    dict(
        run_id="r5", experiment_id=2, run_name="other-exp", status="Completed", start_time=5000,
        end_time=6000, lifecycle_stage="active", user_id="carol", parent_run_id=None,
        git_commit=None, source_name="train.py",
    ),
    dict(
        run_id="r6", experiment_id=1, run_name="Epsilon", status="Canceled", start_time=3000,
        end_time=3500, lifecycle_stage="active", user_id="", parent_run_id="r1",
        git_commit="def456", source_name="train.py",
    ),
]  # fmt: skip

METRICS = [
    # (run, name, latest value, kind); None is how a NaN latest value is stored
    ("r1", "loss", 0.5, "series"),
    ("r2", "loss", 0.3, "series"),
    ("r3", "loss", None, "series"),
    ("r4", "loss", 0.1, "series"),
    ("r5", "loss", 0.2, "series"),
    ("r6", "loss", 0.9, "series"),
    ("r1", "acc", 0.9, "series"),
    ("r2", "acc", 0.8, "series"),
    ("r6", "acc", math.inf, "series"),
    ("r1", "val/loss", 1.0, "series"),
    ("r2", "my metric", 7.0, "series"),
    ("r1", "tbl", None, "table"),
]

PARAMS = [
    ("r1", "model", "RF"),
    ("r2", "model", "rf"),
    ("r3", "model", "Linear"),
    ("r4", "model", "RF"),
    ("r5", "model", "RF"),
    ("r6", "model", "rforest"),
    ("r1", "alpha", "0.1"),
    ("r2", "alpha", "0.5"),
    ("r3", "a.b", "x"),
    ("r1", "pct", "50%"),
    ("r2", "pct", "500"),
]

TAGS = [
    ("r1", "team", "vision"),
    ("r2", "team", "nlp"),
    ("r3", "team", "Vision"),
    ("r6", "note", "it's"),
]


def _seed(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(ExperimentRow),
            [
                dict(experiment_id=i, name=f"exp-{i}", artifact_location=f"file:///a/{i}", creation_time=0,
                     last_update_time=0)
                for i in (1, 2)
            ],
        )  # fmt: skip
        # Child tables reference runs by the internal integer key: r1 -> 1, r2 -> 2, ...
        key = {run["run_id"]: number for number, run in enumerate(RUNS, start=1)}
        conn.execute(
            insert(RunRow),
            [
                {
                    **run,
                    "run_key": key[run["run_id"]],
                    "artifact_uri": f"file:///a/{run['run_id']}/artifacts",
                    "source_type": "LOCAL",
                }
                for run in RUNS
            ],
        )
        conn.execute(
            insert(MetricSeriesRow),
            [dict(run_key=key[r], name=n, last_value=v, kind=k, count=1) for r, n, v, k in METRICS],
        )
        conn.execute(insert(ParamRow), [dict(run_key=key[r], key=k, value=v) for r, k, v in PARAMS])
        conn.execute(insert(TagRow), [dict(run_key=key[r], key=k, value=v) for r, k, v in TAGS])


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = create_engine(f"sqlite:///{tmp_path / 'carnet.db'}")
        event.listen(eng, "connect", lambda dbapi_conn, _record: configure_sqlite_connection(dbapi_conn))
        _seed(eng)
        yield eng
        eng.dispose()
        return

    schema = f"carnet_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        # Like tests/conftest.py: in CI the server must be there, elsewhere its absence skips.
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL} (needed in CI): {exc.orig}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}: {exc.orig}")
    eng = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        _seed(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_ids(
    engine: Engine,
    filter_text: str | None = None,
    order_by: list[str] | None = None,
    *,
    view: ViewType = ViewType.ACTIVE_ONLY,
    experiments: tuple[int, ...] = (1,),
    offset: int = 0,
    limit: int = 100,
) -> list[str]:
    stmt = build_run_select(
        list(experiments), parse_filter(filter_text), parse_order_by(order_by), view, offset, limit
    )
    with engine.connect() as conn:
        return list(conn.execute(stmt).scalars())


# ---------------------------------------------------------------------------------------------
# Filters (default order throughout: r3, r6, r2, r1)
# ---------------------------------------------------------------------------------------------

FILTER_CASES = [
    (None, ["r3", "r6", "r2", "r1"]),
    # metrics: numeric comparisons; r3's NaN loss never matches one
    ("metrics.loss < 0.5", ["r2"]),
    ("metrics.loss <= 0.5", ["r2", "r1"]),
    ("metrics.loss > 0.4", ["r6", "r1"]),
    ("metrics.loss >= 0.9", ["r6"]),
    ("metrics.loss = 0.5", ["r1"]),
    ("metrics.loss != 0.5", ["r6", "r2"]),
    ("metrics.loss > -1e308", ["r6", "r2", "r1"]),
    ("NOT metrics.loss > 0.4", ["r3", "r2"]),
    ("metrics.acc > 1e308", ["r6"]),  # +inf is stored and compared as such
    ("metrics.acc IS NULL", ["r3"]),
    ("metrics.acc IS NOT NULL", ["r6", "r2", "r1"]),
    ("metrics.loss IS NULL", []),  # a NaN latest value is still a logged metric
    ("metrics.tbl IS NOT NULL", ["r1"]),
    ("metrics.tbl > 0", []),  # a table metric has no numeric value
    ("metrics.`my metric` = 7", ["r2"]),
    ("metrics.val/loss = 1", ["r1"]),
    ("metrics.nothing < 100", []),
    # params
    ("params.model = 'RF'", ["r1"]),
    ("params.model != 'RF'", ["r3", "r6", "r2"]),
    ("params.model IN ('RF', 'Linear')", ["r3", "r1"]),
    ("params.model NOT IN ('RF', 'Linear')", ["r6", "r2"]),
    ("params.alpha IS NULL", ["r3", "r6"]),
    ("params.alpha IS NOT NULL", ["r2", "r1"]),
    ("params.alpha != '0.1'", ["r2"]),  # != needs the param to exist...
    ("NOT params.alpha = '0.1'", ["r3", "r6", "r2"]),  # ...NOT does not
    ("params.\"a.b\" = 'x'", ["r3"]),
    # LIKE is case-sensitive on both databases; ILIKE is not
    ("params.model LIKE 'R%'", ["r1"]),
    ("params.model LIKE 'r%'", ["r6", "r2"]),
    ("params.model LIKE 'r_'", ["r2"]),
    ("params.model ILIKE 'r%'", ["r6", "r2", "r1"]),
    ("params.model ILIKE 'RF'", ["r2", "r1"]),
    ("params.model NOT LIKE 'r%'", ["r3", "r1"]),
    ("params.model NOT ILIKE 'r%'", ["r3"]),
    ("params.pct LIKE '50%'", ["r2", "r1"]),
    ("params.pct LIKE '50\\%'", ["r1"]),  # backslash escapes % on both databases
    # tags
    ("tags.team = 'vision'", ["r1"]),
    ("tags.team ILIKE 'VISION'", ["r3", "r1"]),
    ("tags.team LIKE 'V%'", ["r3"]),
    ("tags.team IS NULL", ["r6"]),
    ("tags.note = 'it''s'", ["r6"]),
    # attributes
    ("attributes.status = 'FINISHED'", ["r1"]),
    ("attributes.status IN ('RUNNING', 'KILLED')", ["r3", "r6"]),
    ("attributes.status != 'Completed'", ["r3", "r6", "r2"]),
    ("attributes.status NOT IN ('failed', 'completed')", ["r3", "r6"]),
    ("attributes.run_name LIKE '%-run'", ["r2", "r1"]),
    ("attributes.run_name LIKE 'e%'", []),
    ("attributes.run_name ILIKE 'e%'", ["r6"]),
    ("tags.mlflow.runName = 'gamma'", ["r3"]),
    ("attributes.run_id IN ('r1', 'r2', 'r4', 'r5')", ["r2", "r1"]),
    ("attributes.run_uuid = 'r6'", ["r6"]),
    ("attributes.user_id = 'alice'", ["r3", "r1"]),
    ("tags.mlflow.user = 'bob'", ["r2"]),
    ("attributes.user_id IS NULL", ["r6"]),  # stored as ''
    ("attributes.parent_run_id = 'r1'", ["r6", "r2"]),
    ("tags.mlflow.parentRunId IS NULL", ["r3", "r1"]),
    ("attributes.parent_run_id != 'r1'", []),
    ("NOT attributes.parent_run_id = 'r1'", ["r3", "r1"]),
    ("attributes.git_commit IS NOT NULL", ["r6", "r1"]),
    ("tags.mlflow.source.git.commit = 'abc123'", ["r1"]),
    ("attributes.source_name = 'train.py'", ["r6", "r2", "r1"]),
    ("attributes.source_name IS NULL", ["r3"]),
    ("attributes.source_type = 'LOCAL'", ["r3", "r6", "r2", "r1"]),
    ("attributes.artifact_uri LIKE 'file:///a/r1/%'", ["r1"]),
    ("attributes.start_time >= 2000", ["r3", "r6", "r2"]),
    ("attributes.created < 2000", ["r1"]),
    ("attributes.end_time IS NULL", ["r3"]),
    ("attributes.end_time > 2500", ["r6", "r2"]),
    ("NOT attributes.end_time > 2500", ["r3", "r1"]),
    ("attributes.lifecycle_stage = 'active'", ["r3", "r6", "r2", "r1"]),
    ("attributes.lifecycle_stage = 'deleted'", []),
    # boolean structure
    ("metrics.loss < 0.6 AND params.model ILIKE 'r%'", ["r2", "r1"]),
    ("metrics.loss < 0.4 OR tags.team = 'vision'", ["r2", "r1"]),
    ("NOT (metrics.loss < 0.4 OR tags.team = 'vision')", ["r3", "r6"]),
    ("params.model = 'Linear' OR params.model = 'rforest' AND attributes.status = 'FAILED'", ["r3"]),
    ("(params.model = 'Linear' OR params.model = 'rforest') AND attributes.status = 'CANCELED'", ["r6"]),
    ("NOT NOT tags.team = 'nlp'", ["r2"]),
    ("tags.team IS NULL OR (metrics.acc < 0.85 AND NOT params.alpha = '0.1')", ["r6", "r2"]),
]


@pytest.mark.parametrize(("filter_text", "expected"), FILTER_CASES, ids=[str(c[0]) for c in FILTER_CASES])
def test_filter(engine: Engine, filter_text: str | None, expected: list[str]) -> None:
    assert run_ids(engine, filter_text) == expected


# ---------------------------------------------------------------------------------------------
# Order
# ---------------------------------------------------------------------------------------------

ORDER_CASES = [
    ([], ["r3", "r6", "r2", "r1"]),
    # NaN (r3's loss) and missing (r3's acc) sort last in both directions
    (["metrics.loss"], ["r2", "r1", "r6", "r3"]),
    (["metrics.loss DESC"], ["r6", "r1", "r2", "r3"]),
    (["metrics.acc ASC"], ["r2", "r1", "r6", "r3"]),
    (["metrics.acc DESC"], ["r6", "r1", "r2", "r3"]),
    # strings compare bytewise: uppercase before lowercase
    (["params.model"], ["r3", "r1", "r2", "r6"]),
    (["params.model DESC"], ["r6", "r2", "r1", "r3"]),
    (["params.alpha"], ["r1", "r2", "r3", "r6"]),
    (["params.alpha DESC"], ["r2", "r1", "r3", "r6"]),
    (["tags.team"], ["r3", "r2", "r1", "r6"]),
    (["tags.team DESC"], ["r1", "r2", "r3", "r6"]),
    (["attributes.run_name"], ["r6", "r1", "r2", "r3"]),
    (["tags.mlflow.runName DESC"], ["r3", "r2", "r1", "r6"]),
    (["status"], ["r6", "r1", "r2", "r3"]),
    (["start_time"], ["r1", "r2", "r3", "r6"]),  # tie r3/r6 broken by run_id
    (["attributes.start_time DESC"], ["r3", "r6", "r2", "r1"]),
    (["end_time"], ["r1", "r2", "r6", "r3"]),
    (["end_time DESC"], ["r6", "r2", "r1", "r3"]),
    (["attributes.user_id", "metrics.loss DESC"], ["r6", "r1", "r3", "r2"]),
    (["metrics.nothing DESC"], ["r3", "r6", "r2", "r1"]),
]


@pytest.mark.parametrize(("order_by", "expected"), ORDER_CASES, ids=[repr(c[0]) for c in ORDER_CASES])
def test_order(engine: Engine, order_by: list[str], expected: list[str]) -> None:
    assert run_ids(engine, order_by=order_by) == expected


def test_order_with_filter(engine: Engine) -> None:
    assert run_ids(engine, "params.model ILIKE 'r%'", ["metrics.loss DESC"]) == ["r6", "r1", "r2"]


@pytest.mark.parametrize("name", sorted(ATTRIBUTE_NAMES))
def test_every_attribute_sorts(engine: Engine, name: str) -> None:
    assert sorted(run_ids(engine, order_by=[f"attributes.{name} DESC"])) == ["r1", "r2", "r3", "r6"]


# ---------------------------------------------------------------------------------------------
# Paging and scope
# ---------------------------------------------------------------------------------------------


def test_offset_and_limit(engine: Engine) -> None:
    assert run_ids(engine, limit=2) == ["r3", "r6"]
    assert run_ids(engine, offset=2, limit=2) == ["r2", "r1"]
    assert run_ids(engine, offset=3, limit=2) == ["r1"]
    assert run_ids(engine, offset=4, limit=2) == []


@pytest.mark.parametrize("order_by", [[], ["metrics.loss"], ["params.alpha DESC"], ["end_time"]])
def test_pages_concatenate_to_the_full_order(engine: Engine, order_by: list[str]) -> None:
    full = run_ids(engine, order_by=order_by)
    pages = [run_ids(engine, order_by=order_by, offset=i, limit=1) for i in range(len(full) + 1)]
    assert [rid for page in pages for rid in page] == full


@pytest.mark.parametrize(
    ("view", "experiments", "expected"),
    [
        (ViewType.ACTIVE_ONLY, (1,), ["r3", "r6", "r2", "r1"]),
        (ViewType.DELETED_ONLY, (1,), ["r4"]),
        (ViewType.ALL, (1,), ["r4", "r3", "r6", "r2", "r1"]),
        (ViewType.ACTIVE_ONLY, (1, 2), ["r5", "r3", "r6", "r2", "r1"]),
        (ViewType.ALL, (2,), ["r5"]),
        (ViewType.ALL, (), []),
        (ViewType.ALL, (99,), []),
    ],
)
def test_view_type_and_experiments(
    engine: Engine, view: ViewType, experiments: tuple[int, ...], expected: list[str]
) -> None:
    assert run_ids(engine, view=view, experiments=experiments) == expected


def test_filter_across_experiments_and_views(engine: Engine) -> None:
    assert run_ids(engine, "params.model = 'RF'", view=ViewType.ALL, experiments=(1, 2)) == ["r5", "r4", "r1"]
    assert run_ids(engine, "metrics.loss < 0.25", view=ViewType.ALL, experiments=(1, 2)) == ["r5", "r4"]
    assert run_ids(engine, "attributes.lifecycle_stage = 'deleted'", view=ViewType.ALL) == ["r4"]


# ---------------------------------------------------------------------------------------------
# Portability details
# ---------------------------------------------------------------------------------------------


def test_sqlite_like_is_case_insensitive_without_the_pragma(tmp_path: Path) -> None:
    """Why the store must call configure_sqlite_connection: plain SQLite LIKE ignores case."""
    eng = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        _seed(eng)
        assert run_ids(eng, "params.model LIKE 'R%'") == ["r6", "r2", "r1"]
    finally:
        eng.dispose()


def test_string_order_is_bytewise_on_postgresql() -> None:
    stmt = build_run_select([1], None, parse_order_by(["params.model", "run_name"]), ViewType.ALL, 0, 10)
    pg_sql = str(stmt.compile(dialect=postgresql.dialect()))
    assert 'params_1.value COLLATE "C" ASC' in pg_sql
    assert 'runs.run_name COLLATE "C" ASC' in pg_sql
    assert "COLLATE" not in str(stmt.compile(dialect=sqlite.dialect()))


def test_child_predicates_are_uncorrelated_subqueries() -> None:
    node = parse_filter("metrics.loss > 1 AND params.a = 'x' AND tags.t IS NULL")
    sql = str(build_run_select([1], node, [], ViewType.ACTIVE_ONLY, 0, 10).compile(dialect=sqlite.dialect()))
    assert "runs.run_key IN (SELECT metric_series.run_key" in sql
    assert "WHERE metric_series.name = ? AND metric_series.last_value > ?" in sql
    assert 'WHERE params."key" = ? AND params.value = ?' in sql
    assert "runs.run_key NOT IN (SELECT tags.run_key" in sql
    assert "JOIN" not in sql
