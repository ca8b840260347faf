"""Shared rendering for the CLI: Rich tables for people, JSON for scripts, messages on stderr.

Consoles are created per call (never at import time) so that output goes to whatever
``sys.stdout`` / ``sys.stderr`` are when a command runs (the test runner swaps them).
"""

from __future__ import annotations

import enum
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from carnet.entities import RunStatus

# Width used when stdout is not a terminal (a pipe, a file, a test runner) and COLUMNS is not
# set: wide enough that tables piped to grep or less are not wrapped at 80 columns.
PIPE_WIDTH = 200


class OutputFormat(str, enum.Enum):
    table = "table"
    json = "json"


def stdout_console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(highlight=False, width=PIPE_WIDTH)
    return console


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


# -- messages ----------------------------------------------------------------------------------


def info(message: str) -> None:
    """A result line for people (on stdout): "created experiment ...", "upgraded ..."."""
    Console(highlight=False, soft_wrap=True).print(Text(message))


def hint(message: str) -> None:
    """Advice on stderr, so it never mixes with JSON on stdout."""
    stderr_console().print(Text(message, style="dim"))


def error(message: str, hint_text: str | None = None) -> None:
    console = stderr_console()
    console.print(Text(f"Error: {message}", style="bold red"))
    if hint_text:
        console.print(Text(f"hint: {hint_text}", style="dim"))


# -- JSON --------------------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A value JSON can carry: non-finite floats become the strings "NaN", "Infinity", "-Infinity"
    (bare NaN is not JSON and jq rejects it); mappings and sequences are converted recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, enum.Enum):
        return json_value(value.value)
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def print_json(data: Any) -> None:
    text = json.dumps(json_value(data), indent=2, ensure_ascii=False, allow_nan=False)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# -- formatting --------------------------------------------------------------------------------


def format_number(value: float | None) -> str:
    """About four significant digits: 54.12, 0.0001235, 1.235e+05; whole numbers below a million
    as integers (12345); NaN and infinities spelled out."""
    if value is None:
        return ""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"


def format_time(ms: int | None) -> str:
    """Milliseconds since the epoch as local time, to the second."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def format_duration(ms: float | None) -> str:
    if ms is None:
        return ""
    ms = max(0.0, ms)
    if ms < 1000:
        return f"{int(ms)}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def format_size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


_STATUS_STYLES = {
    RunStatus.RUNNING: "cyan",
    RunStatus.COMPLETED: "green",
    RunStatus.FAILED: "bold red",
    RunStatus.CANCELED: "yellow",
}


def status_text(status: RunStatus) -> Text:
    return Text(status.value, style=_STATUS_STYLES.get(status, ""))


def cell(value: Any) -> Text:
    """A table cell for any value, never read as Rich markup (names may hold brackets)."""
    if isinstance(value, Text):
        return value
    if value is None:
        return Text("")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, float):
        return Text(format_number(value))
    return Text(str(value))


# -- tables ------------------------------------------------------------------------------------


def make_table(
    headers: Sequence[str],
    numeric: Sequence[bool] = (),
    title: str | None = None,
    wrap: Sequence[bool] = (),
    min_widths: Sequence[int] = (),
) -> Table:
    """A table; ``numeric`` columns are right-aligned and, like every column whose ``wrap`` is
    false, never wrapped (squeezed, they are cut with an ellipsis rather than broken in two)."""
    table = Table(
        box=box.SIMPLE_HEAD,
        header_style="bold",
        title=title,
        title_justify="left",
        title_style="bold",
        pad_edge=False,
        show_edge=False,
    )
    for i, header in enumerate(headers):
        right = i < len(numeric) and numeric[i]
        wraps = (wrap[i] if i < len(wrap) else True) and not right
        table.add_column(
            header,
            justify="right" if right else "left",
            overflow="fold" if wraps else "ellipsis",
            no_wrap=not wraps,
            min_width=min_widths[i] if i < len(min_widths) else min(len(header), 12),
        )
    return table


# A column is not squeezed below its widest cell, up to these many characters (dates need 19).
_MIN_WIDTH_WRAPPED = 16
_MIN_WIDTH_UNWRAPPED = 20


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Sequence[bool] = (),
    title: str | None = None,
    wrap: Sequence[bool] = (),
    droppable_from: int | None = None,
) -> int:
    """Print a table. Columns from index ``droppable_from`` on may be left out, last first, until
    the table fits the console's width (rather than being cut at its edge); returns how many were."""
    console = stdout_console()
    cells = [[cell(v) for v in row] for row in rows]
    min_widths = []
    for i, header in enumerate(headers):
        wraps = (wrap[i] if i < len(wrap) else True) and not (i < len(numeric) and numeric[i])
        widest = max([len(header), *(row[i].cell_len for row in cells)])
        min_widths.append(min(widest, _MIN_WIDTH_WRAPPED if wraps else _MIN_WIDTH_UNWRAPPED))

    def build(count: int, widths: Sequence[int]) -> Table:
        table = make_table(headers[:count], numeric[:count], title, wrap[:count], widths[:count])
        for row in cells:
            table.add_row(*row[:count])
        return table

    count = len(headers)
    while True:
        table = build(count, min_widths)
        if _fits(console, table):
            break
        if droppable_from is None or count <= droppable_from:
            table = build(count, ())  # still too wide: let Rich squeeze the columns to fit
            break
        count -= 1
    console.print(table)
    return len(headers) - count


def _fits(console: Console, table: Table) -> bool:
    from rich.measure import Measurement

    unbounded = console.options.update(max_width=100_000)  # a measurement is capped at max_width
    return Measurement.get(console, unbounded, table).minimum <= console.width
