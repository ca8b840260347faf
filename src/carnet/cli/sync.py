"""``carnet sync``: upload the log batches spooled while a carnet server could not be reached, and
the runs logged with ``CARNET_MODE=offline``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer

from carnet.cli import output


def sync(
    spool_dir: Annotated[
        Path | None,
        typer.Option(
            "--spool-dir",
            envvar="CARNET_SPOOL_DIR",
            help="The spool folder (default: ~/.carnet/spool).",
            show_default=False,
        ),
    ] = None,
    retries: Annotated[
        int, typer.Option(min=0, help="Retries per request before giving up on a server.")
    ] = 2,
) -> None:
    """Upload every spooled batch (and final run status) to its server, in order, each stored once.

    Runs logged with CARNET_MODE=offline are created first, with their own ids, and their files
    uploaded before their final status.

    Exits with 1 when a server is still unreachable (its records stay spooled).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from carnet.exceptions import StoreError
    from carnet.sdk.spool import Spool, server_of, spool_files, waiting_files
    from carnet.store.rest import RestTrackingStore

    work: list[tuple[Spool, int]] = []
    for path in spool_files(spool_dir):
        url = server_of(path)
        if url is None:
            continue
        spool = Spool(url, path)
        count = len(spool.records())
        if count:
            work.append((spool, count))
    if not work:
        output.info("Nothing to sync: the spool is empty.")
        _say_waiting_files(waiting_files(spool_dir))
        return

    uploaded = refused = left = 0
    unreachable: list[str] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=output.stderr_console(),
        transient=True,
    ) as progress:
        for spool, count in work:
            task = progress.add_task(f"sync {spool.server_url}", total=count)
            store = RestTrackingStore(spool.server_url, max_retries=retries)
            try:
                result = spool.drain(store, progress=functools.partial(progress.advance, task))
            except StoreError:
                unreachable.append(spool.server_url)
                left += len(spool.records())
                continue
            finally:
                store.close()
            uploaded += result.uploaded
            refused += len(result.refused)
            for exc in result.refused:
                output.error(f"{spool.server_url}: refused: {exc}")
    output.info(f"Synced {uploaded} spooled record(s); {refused} refused; {left} left in the spool.")
    _say_waiting_files(waiting_files(spool_dir))
    if unreachable:
        output.error(
            "cannot reach " + ", ".join(unreachable),
            "start the server, then run `carnet sync` again",
        )
        raise typer.Exit(1)


def _say_waiting_files(folders: list[Path]) -> None:
    if folders:
        output.hint(
            f"{len(folders)} run(s) logged offline keep files in {folders[0].parent}: each folder is "
            "uploaded with its run's final status; a run whose process was killed never gets one "
            "(copy its folder to the run's artifact_uri yourself)"
        )
