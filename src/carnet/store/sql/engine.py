"""One engine per database URL, the session scope, and schema migrations.

SQLite runs in WAL mode (readers never wait for the writer) with ``synchronous=NORMAL`` (durable
across process crashes, the usual choice with WAL) and foreign keys on. A new SQLite file or an
empty database is migrated to the newest schema on open; an existing database behind the newest
revision raises ``SchemaOutOfDate`` until ``carnet db upgrade`` is run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from carnet.exceptions import CarnetError, Conflict, SchemaOutOfDate, StoreError

_MIGRATIONS = Path(__file__).with_name("migrations")
_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(url: str) -> Engine:
    """The shared engine for ``url``, created (and its schema brought up to date) on first use."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create_engine(url)
            try:
                ensure_schema(engine)
            except BaseException:
                engine.dispose()  # never cached: close its pooled connections now, not at GC
                raise
            _engines[url] = engine
        return engine


def open_engine_for_upgrade(url: str) -> Engine:
    """A new, unshared engine for ``url`` that skips the schema check (``carnet db upgrade`` and
    ``carnet db current`` use it on a database that may be behind). Dispose of it after use."""
    return _create_engine(url)


def dispose_engines() -> None:
    """Close every pooled connection (tests and forked workers call this)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        # pysqlite's own transaction handling defers BEGIN; take over so writes start with
        # BEGIN IMMEDIATE and concurrent writers queue on the busy timeout instead of failing.
        # Readers (sessions from SessionFactory.read) keep a deferred BEGIN so they never wait.
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _begin_sqlite(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("carnet_read") else "BEGIN IMMEDIATE")


def _configure_sqlite(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # see the "begin" listener above
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # LIKE is case-sensitive on PostgreSQL; make SQLite agree (ILIKE is compiled separately).
    cursor.execute("PRAGMA case_sensitive_like=ON")
    cursor.close()


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    config = _alembic_config(None)  # type: ignore[arg-type]
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` (``carnet db upgrade``)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def ensure_schema(engine: Engine) -> None:
    """Migrate an empty database; refuse one that an older carnet created and was never upgraded."""
    tables = set(inspect(engine).get_table_names())
    if "alembic_version" not in tables and "runs" not in tables:
        upgrade(engine)
        return
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDate(
            f"the database {engine.url.render_as_string(hide_password=True)} is at schema revision "
            f"{current}, this carnet needs {head}: run `carnet db upgrade` (back it up first)"
        )


class SessionFactory:
    """Opens sessions on one engine and translates database errors into carnet's."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._maker = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
        self._read_maker = sessionmaker(
            bind=engine.execution_options(carnet_read=True), expire_on_commit=False, autoflush=False
        )

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A transaction: commits on success, rolls back everything on any error."""
        session = self._maker()
        try:
            with session.begin():
                yield session
        except CarnetError:
            raise
        except IntegrityError as exc:
            raise Conflict(f"the write conflicts with stored data: {_first_line(exc)}") from exc
        except (OperationalError, DBAPIError, SQLAlchemyError) as exc:
            raise StoreError(f"database error: {_first_line(exc)}") from exc
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (no BEGIN IMMEDIATE on SQLite, so readers never block)."""
        session = self._read_maker()
        try:
            yield session
        except CarnetError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {_first_line(exc)}") from exc
        finally:
            session.rollback()
            session.close()


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).splitlines()[0][:300]


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
