"""``carnet db``: the tracking database's schema revision, and migrating it to the newest one."""

from __future__ import annotations

from typing import Any

import typer

from carnet.cli import output
from carnet.cli.common import NO_WORKSPACE_HINT, TrackingUriOption, display_uri, workspace
from carnet.exceptions import StoreError

app = typer.Typer(name="db", help="Inspect and migrate the tracking database schema.", no_args_is_help=True)


def _open(url: str) -> Any:
    from sqlalchemy.exc import SQLAlchemyError

    from carnet.store.sql.engine import open_engine_for_upgrade, ping

    engine = open_engine_for_upgrade(url)
    try:
        ping(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        first = str(getattr(exc, "orig", exc)).strip().splitlines()
        raise StoreError(
            f"cannot open the database {display_uri(url)}: {first[0] if first else exc}"
        ) from exc
    return engine


@app.command("upgrade")
def upgrade(ctx: typer.Context, tracking_uri: TrackingUriOption = None) -> None:
    """Migrate the database to the newest schema (creates it if it does not exist). Back it up first."""
    from alembic.util.exc import CommandError

    from carnet.store.sql.engine import current_revision, head_revision
    from carnet.store.sql.engine import upgrade as run_upgrade

    location = workspace(ctx, tracking_uri).location
    engine = _open(location.database_url)
    try:
        head = head_revision()
        before = current_revision(engine)
        if before == head:
            output.info(f"database at revision {head} (up to date)")
            return
        try:
            run_upgrade(engine)
        except CommandError as exc:
            raise StoreError(
                f"cannot upgrade the database {display_uri(location.database_url)} from revision {before}: "
                f"{exc} (was it created by a newer carnet?)"
            ) from exc
        after = current_revision(engine)
        output.info(f"upgraded {before or '(empty)'} -> {after}")
    finally:
        engine.dispose()


@app.command("current")
def current(ctx: typer.Context, tracking_uri: TrackingUriOption = None) -> None:
    """Print the database's schema revision and the newest one this carnet knows."""
    from carnet.store.sql.engine import current_revision, head_revision

    location = workspace(ctx, tracking_uri).location
    head = head_revision()
    output.info(f"database: {display_uri(location.database_url)}")
    if not location.exists():
        output.info("current revision: none (no database yet)")
        output.info(f"head revision: {head}")
        output.hint(NO_WORKSPACE_HINT)
        return
    engine = _open(location.database_url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    output.info(f"current revision: {revision or 'none (empty database)'}")
    output.info(f"head revision: {head}")
    if revision == head:
        output.info("up to date")
    else:
        output.hint("run `carnet db upgrade` to migrate (back the database up first)")
