"""What every command shares: the tracking location, opening the store, finding experiments and runs."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Annotated

import typer

from carnet.cli.output import OutputFormat
from carnet.entities import Experiment, Run, ViewType
from carnet.exceptions import InvalidArgument, NotFound
from carnet.sdk.workspace import Workspace
from carnet.store.base import TrackingStore

NO_WORKSPACE_HINT = "no carnet workspace here yet: log a run first, or pass --tracking-uri"

TrackingUriOption = Annotated[
    str | None,
    typer.Option(
        "--tracking-uri",
        "-u",
        help="sqlite:///file.db, postgresql://user@host/db or a workspace folder "
        "(overrides the one given before the command and CARNET_TRACKING_URI).",
        show_default=False,
    ),
]

OutputOption = Annotated[
    OutputFormat,
    typer.Option("--output", help="Print a table for people or JSON for scripts.", case_sensitive=False),
]


@dataclass
class CliState:
    """Options given to ``carnet`` itself, before the command."""

    tracking_uri: str | None = None


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def workspace(ctx: typer.Context, tracking_uri: str | None) -> Workspace:
    """The workspace named by the command's ``--tracking-uri``, else the one before the command,
    else ``CARNET_TRACKING_URI``, else the nearest ``.carnet`` folder. Opens nothing yet."""
    return Workspace(tracking_uri or state(ctx).tracking_uri or None)


def open_store(ctx: typer.Context, tracking_uri: str | None, *, create: bool) -> TrackingStore | None:
    """The tracking store, or None when the database does not exist and ``create`` is false
    (read-only commands must not leave a ``.carnet`` folder behind)."""
    ws = workspace(ctx, tracking_uri)
    if not create and not ws.location.exists():
        return None
    return ws.store


def existing_store(ctx: typer.Context, tracking_uri: str | None, what: str) -> TrackingStore:
    """The store of a command that changes something already there: a missing workspace is
    ``NotFound`` (nothing to change), and is not created."""
    store = open_store(ctx, tracking_uri, create=False)
    if store is None:
        raise NotFound(f"{what} does not exist: {NO_WORKSPACE_HINT}", field="tracking_uri")
    return store


def display_uri(uri: str) -> str:
    """A tracking URI or database URL fit to print: any password is masked."""
    if "://" not in uri:
        return uri
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(uri).render_as_string(hide_password=True)
    except ArgumentError:
        return uri


def view_type(all_: bool, deleted: bool) -> ViewType:
    if all_ and deleted:
        raise InvalidArgument("--all and --deleted: give one or the other", field="view_type")
    if all_:
        return ViewType.ALL
    return ViewType.DELETED_ONLY if deleted else ViewType.ACTIVE_ONLY


def resolve_experiment(store: TrackingStore, ref: str) -> Experiment:
    """An experiment by id (when ``ref`` is all digits and such an id exists) or else by name."""
    text = ref.strip()
    if text and all(c in string.digits for c in text):
        try:
            return store.get_experiment(text)
        except NotFound:
            pass
    found = store.get_experiment_by_name(text)
    if found is None:
        raise NotFound(
            f"experiment {ref!r} does not exist (no experiment has that id or name)",
            field="experiment",
            hint="see `carnet experiments list --all`",
        )
    return found


_HEX = frozenset(string.hexdigits.lower())
_MIN_PREFIX = 4


def resolve_run(store: TrackingStore, ref: str) -> Run:
    """A run by its full id, or by a unique prefix of it (the 8 characters ``runs list`` shows)."""
    try:
        return store.get_run(ref)
    except NotFound:
        prefix = ref.strip().lower()
        if not (_MIN_PREFIX <= len(prefix) < 32 and set(prefix) <= _HEX):
            raise
        experiment_ids = [e.experiment_id for e in store.search_experiments(ViewType.ALL)]
        page = store.search_runs(experiment_ids, f"attributes.run_id LIKE '{prefix}%'", ViewType.ALL, 2)
        if len(page.runs) == 1:
            return page.runs[0]
        if len(page.runs) > 1:
            raise InvalidArgument(
                f"run_id: {ref!r} is the start of several run ids; give more characters", field="run_id"
            ) from None
        raise


# Model loading options of `carnet serve` and `carnet predict`.
AllowPickleOption = Annotated[
    bool,
    typer.Option(
        "--allow-pickle",
        help="Load pickled models (unpickling runs any code the file holds: only for models you trust).",
    ),
]
TrustedTypesOption = Annotated[
    str | None,
    typer.Option(
        envvar="CARNET_TRUSTED_TYPES",
        help="Comma-separated skops types to trust when loading (or CARNET_TRUSTED_TYPES).",
        show_default=False,
    ),
]
