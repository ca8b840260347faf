"""Compile a parsed run search (:mod:`carnet.search`) to one SQLAlchemy Core SELECT.

The statement selects only ``runs.run_id`` for the requested page; the store loads those runs
afterwards. It behaves the same on SQLite and PostgreSQL, given two things the engine does:

* **SQLite connections run** ``PRAGMA case_sensitive_like = ON`` (call
  :func:`configure_sqlite_connection` from the engine's ``connect`` event). SQLite's LIKE
  ignores ASCII case by default, PostgreSQL's never does; the pragma makes SQLite match, and
  also lets SQLite serve ``value LIKE 'abc%'`` from the (key, value) index. ILIKE does not
  depend on it (SQLAlchemy compiles ILIKE as ``lower(x) LIKE lower(y)`` on SQLite).
* Nothing else: string ordering is made bytewise on PostgreSQL here (``COLLATE "C"``), which is
  what SQLite's default BINARY collation does, so a database created with a locale collation
  (en_US.UTF-8 sorts ``rf`` before ``RF``) still orders like SQLite.

Shape of the query, chosen so indexes serve it:

* each metric/param/tag predicate is an uncorrelated ``run_key IN (SELECT run_key FROM
  metric_series WHERE name = :k AND last_value > :v)``, answered from the covering
  (name, last_value, run_key) and (key, value, run_key) indexes; ``IS NULL`` is
  ``run_key NOT IN (... WHERE name = :k)``;
* AND / OR / NOT are SQL's; every predicate is two-valued (never SQL NULL), so ``NOT`` is the
  exact complement;
* each sort key on a metric/param/tag is a LEFT OUTER JOIN of one (run, name) row, which is
  unique, so no run is repeated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    case,
    func,
    literal_column,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Join

from carnet.entities import LifecycleStage, ViewType
from carnet.search.ast import And, Comparison, Node, Not, Operator, Or, OrderKey, Value
from carnet.store.sql.models import MetricSeriesRow, ParamRow, RunRow, TagRow

__all__ = ["build_run_select", "configure_sqlite_connection", "find_run_ids"]

# LIKE patterns always carry an explicit escape character. PostgreSQL's default is already a
# backslash but SQLite has none, so without ESCAPE '\%' would mean different things.
LIKE_ESCAPE = "\\"

_ATTRIBUTE_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "run_id": RunRow.run_id,
    "run_name": RunRow.run_name,
    "status": RunRow.status,
    "user_id": RunRow.user_id,
    "artifact_uri": RunRow.artifact_uri,
    "source_name": RunRow.source_name,
    "source_type": RunRow.source_type,
    "git_commit": RunRow.git_commit,
    "parent_run_id": RunRow.parent_run_id,
    "start_time": RunRow.start_time,
    "end_time": RunRow.end_time,
    "lifecycle_stage": RunRow.lifecycle_stage,
}

# Columns that may hold SQL NULL; their comparisons are guarded so they never yield NULL.
_NULLABLE = frozenset({"end_time", "git_commit", "parent_run_id"})

# Text columns whose "no value" is stored as '' (NOT NULL DEFAULT ''), or as NULL for the
# nullable ones: IS NULL matches either, so users need not know which.
_TEXT = frozenset(
    {"run_name", "user_id", "artifact_uri", "source_name", "source_type", "git_commit", "parent_run_id"}
)

_STAGES_BY_VIEW: dict[ViewType, tuple[str, ...]] = {
    ViewType.ACTIVE_ONLY: (LifecycleStage.ACTIVE.value,),
    ViewType.DELETED_ONLY: (LifecycleStage.DELETED.value,),
    ViewType.ALL: (LifecycleStage.ACTIVE.value, LifecycleStage.DELETED.value),
}


def configure_sqlite_connection(dbapi_conn: Any) -> None:
    """Make LIKE case-sensitive on a new SQLite DB-API connection, as it is on PostgreSQL.

    Wire it as ``event.listen(engine, "connect", lambda conn, _rec: configure_sqlite_connection(conn))``
    for SQLite engines only. (The pragma is per connection and must run before any query that
    uses LIKE; SQLite documents it as deprecated but every stock build, Python's included, has it.)
    """
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("PRAGMA case_sensitive_like = ON")
    finally:
        cursor.close()


def find_run_ids(
    session: Session,
    experiment_ids: list[int],
    filter_node: Node | None,
    order_by: list[OrderKey],
    view_type: ViewType,
    offset: int,
    limit: int,
) -> list[str]:
    """The run ids of one page, choosing the cheaper of two plans with the same order.

    The general plan (:func:`build_run_select`) collects every matching run and sorts them. When
    the order is one metric and the filter is absent or broad -- the runs table of a large sweep,
    "the best runs where ..." -- it is cheaper to walk the (name, last_value) index in order,
    test each run against the filter, and stop after one page; runs without the metric (or with
    NaN) sort last and follow from a second query. Whether a filter is broad is estimated from
    the number of rows each of its terms matches, counted on the covering indexes.
    """
    # Statements run on the connection, not the session: they return plain ids, and the ORM's
    # per-statement bookkeeping would cost more than SQLite takes to answer them.
    conn = session.connection()
    if (
        len(order_by) != 1
        or order_by[0].ident.entity != "metric"
        or not _is_broad(conn, filter_node, offset + limit)
    ):
        general = build_run_select(experiment_ids, filter_node, order_by, view_type, offset, limit)
        return list(conn.execute(general).scalars().all())
    key = order_by[0]
    stages = _STAGES_BY_VIEW[ViewType(view_type)]
    series = aliased(MetricSeriesRow)
    with_value = (
        select(RunRow.run_id)
        .select_from(_DrivingJoin(series, RunRow, series.run_key == RunRow.run_key))
        .where(
            series.name == key.ident.key,
            series.last_value.is_not(None),
            RunRow.experiment_id.in_(experiment_ids),
            RunRow.lifecycle_stage.in_(stages),
        )
    )
    if filter_node is not None:
        with_value = with_value.where(_predicate(filter_node, correlated=True))
    value = series.last_value
    page = list(
        conn.execute(
            with_value.order_by(
                value.asc() if key.ascending else value.desc(), RunRow.start_time.desc(), RunRow.run_id.asc()
            )
            .offset(offset)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    if len(page) == limit:
        return page
    valued = conn.scalar(select(func.count()).select_from(with_value.subquery())) or 0
    without_value = select(RunRow.run_id).where(
        RunRow.experiment_id.in_(experiment_ids),
        RunRow.lifecycle_stage.in_(stages),
        RunRow.run_key.not_in(
            select(MetricSeriesRow.run_key).where(
                MetricSeriesRow.name == key.ident.key, MetricSeriesRow.last_value.is_not(None)
            )
        ),
    )
    if filter_node is not None:
        without_value = without_value.where(_predicate(filter_node))
    without_value = (
        without_value.order_by(RunRow.start_time.desc(), RunRow.run_id.asc())
        .offset(max(0, offset - valued))
        .limit(limit - len(page))
    )
    return page + list(conn.execute(without_value).scalars().all())


# Walking the sort index pays off when a page is expected within this many index rows.
WALK_BUDGET = 20_000
# Below this many runs in the store the general plan is always used.
SMALL_STORE = 10_000


def _is_broad(conn: Connection, node: Node | None, wanted: int) -> bool:
    """Whether an index walk is expected to find ``wanted`` matching runs within ``WALK_BUDGET``
    rows. Only a conjunction of metric/param/tag tests is estimated (assuming the terms are
    independent); any other shape is left to the general plan."""
    if node is None:
        return True
    terms = list(node.items) if isinstance(node, And) else [node]
    if not all(
        isinstance(t, Comparison) and t.ident.entity != "attribute" and t.op not in ("IS NULL", "IS NOT NULL")
        for t in terms
    ):
        return False
    total = conn.scalar(select(func.count()).select_from(RunRow)) or 0
    if total <= SMALL_STORE:
        return False  # sorting every match is cheap here; estimating would cost more than it saves
    fraction = 1.0
    for term in terms:
        assert isinstance(term, Comparison)
        matches = conn.scalar(select(func.count()).select_from(_matching_rows(term).subquery())) or 0
        fraction *= min(1.0, matches / total)
        if fraction * WALK_BUDGET < wanted:
            return False
    return True


class _DrivingJoin(Join):
    """An inner join whose left side drives the loop. SQLite's planner would otherwise start from
    the runs of the experiment and sort them all; ``CROSS JOIN`` is SQLite's documented way to fix
    the join order. Other databases get a plain ``JOIN`` and plan it themselves."""

    inherit_cache = True

    def __init__(self, left: Any, right: Any, onclause: Any) -> None:
        super().__init__(left, right, onclause)


@compiles(_DrivingJoin, "sqlite")
def _driving_join_sqlite(element: _DrivingJoin, compiler: SQLCompiler, **kw: Any) -> str:
    kw["asfrom"] = True
    left = compiler.process(element.left, **kw)
    right = compiler.process(element.right, **kw)
    assert element.onclause is not None
    return f"{left} CROSS JOIN {right} ON {compiler.process(element.onclause, **kw)}"


def build_run_select(
    experiment_ids: list[int],
    filter_node: Node | None,
    order_by: list[OrderKey],
    view_type: ViewType,
    offset: int,
    limit: int,
) -> Select[Any]:
    """A SELECT of ``runs.run_id`` for one page of a run search.

    ``experiment_ids`` bounds the search (an empty list matches nothing); ``filter_node`` comes
    from :func:`carnet.search.parse_filter` (``None`` matches every run); ``order_by`` from
    :func:`carnet.search.parse_order_by`. Runs lacking a sort value (or whose latest metric is
    NaN) sort last in both directions. Ties are always broken by ``start_time DESC, run_id ASC``,
    so pages are stable; with no keys that is the whole order. To tell whether another page
    exists, a caller may ask for ``limit + 1`` rows.
    """
    stages = _STAGES_BY_VIEW[ViewType(view_type)]
    stmt = select(RunRow.run_id).where(
        RunRow.experiment_id.in_(experiment_ids),
        RunRow.lifecycle_stage.in_(stages),
    )
    if filter_node is not None:
        stmt = stmt.where(_predicate(filter_node))

    ordering: list[ColumnElement[Any]] = []
    for key in order_by:
        stmt, column, nullable = _sort_column(stmt, key)
        if nullable:
            # Portable NULLS LAST (SQLite before 3.30 has no NULLS LAST): sort on "is it missing"
            # before the value itself. The literals keep the ORDER BY free of bound parameters.
            ordering.append(case((column.is_(None), literal_column("1")), else_=literal_column("0")))
        if isinstance(column.type, String):
            column = _Bytewise(column)
        ordering.append(column.asc() if key.ascending else column.desc())
    ordering += [RunRow.start_time.desc(), RunRow.run_id.asc()]

    return stmt.order_by(*ordering).offset(offset).limit(limit)


def _sort_column(stmt: Select[Any], key: OrderKey) -> tuple[Select[Any], ColumnElement[Any], bool]:
    """The column ``key`` sorts on, the statement with any join it needs, and whether it can be NULL."""
    entity, name = key.ident.entity, key.ident.key
    if entity == "attribute":
        return stmt, _ATTRIBUTE_COLUMNS[name].expression, name in _NULLABLE
    # One (run, name) row at most (unique constraints), so the outer join never repeats a run;
    # a run without the row gets NULL, like a NaN metric.
    if entity == "metric":
        series = aliased(MetricSeriesRow)
        join = stmt.outerjoin(series, and_(series.run_key == RunRow.run_key, series.name == name))
        return join, series.last_value.expression, True
    child = aliased(ParamRow) if entity == "param" else aliased(TagRow)
    join = stmt.outerjoin(child, and_(child.run_key == RunRow.run_key, child.key == name))
    return join, child.value.expression, True


# ---------------------------------------------------------------------------------------------
# Predicates
# ---------------------------------------------------------------------------------------------


def _predicate(node: Node, correlated: bool = False) -> ColumnElement[bool]:
    """The filter as SQL. Uncorrelated ``IN`` sets suit the general plan; ``correlated`` gives
    ``EXISTS`` tests of one run at a time, which suit the index walk."""
    if isinstance(node, And):
        return and_(*(_predicate(item, correlated) for item in node.items))
    if isinstance(node, Or):
        return or_(*(_predicate(item, correlated) for item in node.items))
    if isinstance(node, Not):
        return not_(_predicate(node.item, correlated))
    if node.ident.entity == "attribute":
        return _attribute_test(node)
    return _child_row_test(node, correlated)


def _child_columns(node: Comparison) -> tuple[Any, Any, Any]:
    """(run key, name, value) columns of the table a metric/param/tag comparison reads."""
    if node.ident.entity == "metric":
        return MetricSeriesRow.run_key, MetricSeriesRow.name, MetricSeriesRow.last_value
    if node.ident.entity == "param":
        return ParamRow.run_key, ParamRow.key, ParamRow.value
    return TagRow.run_key, TagRow.key, TagRow.value


def _matching_rows(node: Comparison) -> Select[Any]:
    """The run keys whose row for this name passes the comparison (any value for IS [NOT] NULL)."""
    run_key, name, value = _child_columns(node)
    rows = select(run_key).where(name == node.ident.key)
    if node.op in ("IS NULL", "IS NOT NULL"):
        return rows
    # A NaN latest metric is stored as NULL, so no comparison selects it.
    return rows.where(_value_test(value, node.op, node.value))


def _child_row_test(node: Comparison, correlated: bool = False) -> ColumnElement[bool]:
    """A metric/param/tag predicate: is the run among those whose row with this name matches?"""
    rows = _matching_rows(node)
    if correlated:
        run_key = _child_columns(node)[0]
        found = rows.where(run_key == RunRow.run_key).exists()
        return not_(found) if node.op == "IS NULL" else found
    return RunRow.run_key.not_in(rows) if node.op == "IS NULL" else RunRow.run_key.in_(rows)


def _attribute_test(node: Comparison) -> ColumnElement[bool]:
    name = node.ident.key
    column = _ATTRIBUTE_COLUMNS[name]
    if node.op in ("IS NULL", "IS NOT NULL"):
        missing = or_(column.is_(None), column == "") if name in _TEXT else column.is_(None)
        return missing if node.op == "IS NULL" else not_(missing)
    test = _value_test(column, node.op, node.value)
    if name in _NULLABLE:
        # Without the guard, NULL > 5 is NULL, and NOT (NULL) is NULL too: a run still running
        # would match neither "end_time > 5" nor "NOT end_time > 5".
        return and_(column.is_not(None), test)
    return test


def _value_test(column: Any, op: Operator, value: Value) -> ColumnElement[bool]:
    """``column op value`` for every operator that takes a value."""
    result: ColumnElement[bool]
    if op == "=":
        result = column == value
    elif op == "!=":
        result = column != value
    elif op == "<":
        result = column < value
    elif op == "<=":
        result = column <= value
    elif op == ">":
        result = column > value
    elif op == ">=":
        result = column >= value
    elif op == "LIKE":
        result = column.like(value, escape=LIKE_ESCAPE)
    elif op == "NOT LIKE":
        result = column.not_like(value, escape=LIKE_ESCAPE)
    elif op == "ILIKE":
        result = column.ilike(value, escape=LIKE_ESCAPE)
    elif op == "NOT ILIKE":
        result = column.not_ilike(value, escape=LIKE_ESCAPE)
    elif op == "IN":
        result = column.in_(value)
    elif op == "NOT IN":
        result = column.not_in(value)
    else:  # pragma: no cover - IS [NOT] NULL are handled by the callers
        raise AssertionError(f"operator {op} takes no value")
    return result


# ---------------------------------------------------------------------------------------------
# Bytewise string ordering
# ---------------------------------------------------------------------------------------------


class _Bytewise(FunctionElement[str]):
    """Its argument, compared bytewise: ``x COLLATE "C"`` on PostgreSQL, plain ``x`` elsewhere."""

    type = String()
    name = "bytewise"
    inherit_cache = True


@compiles(_Bytewise)
def _bytewise_default(element: _Bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite (and most others) already compare text with a binary collation.
    return compiler.process(element.clauses, **kw)


@compiles(_Bytewise, "postgresql")
def _bytewise_postgresql(element: _Bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'
