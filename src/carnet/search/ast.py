"""The parsed form of a run-search filter and order-by clause.

The parser (:mod:`carnet.search.parser`) produces these and has already checked them: an
identifier names a known entity (and, for attributes, a known column under its canonical
name), the operator is allowed for it, and the value has the right type. A store compiles
the tree to its own query language without re-validating.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Entity = Literal["metric", "param", "tag", "attribute"]

Operator = Literal[
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "LIKE",
    "ILIKE",
    "NOT LIKE",
    "NOT ILIKE",
    "IN",
    "NOT IN",
    "IS NULL",
    "IS NOT NULL",
]

# A comparison's right-hand side:
#   float            metrics (always a float, even when written as an integer)
#   int              the millisecond attributes start_time / end_time
#   str              params, tags and string attributes (status already normalized, e.g. 'Completed')
#   tuple[str, ...]  IN / NOT IN
#   None             IS NULL / IS NOT NULL
Value = float | int | str | tuple[str, ...] | None


@dataclass(frozen=True)
class Identifier:
    """What a predicate or sort key looks at: ``metric``/``param``/``tag`` plus the user's key, or
    ``attribute`` plus the canonical attribute name (``run_id``, ``start_time``, ...)."""

    entity: Entity
    key: str


@dataclass(frozen=True)
class Comparison:
    """``ident op value``. ``value`` is ``None`` exactly for ``IS NULL`` / ``IS NOT NULL``."""

    ident: Identifier
    op: Operator
    value: Value = None


@dataclass(frozen=True)
class And:
    """True when every item is true. Holds at least two items."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """True when any item is true. Holds at least two items."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """True when ``item`` is false (a true complement: a run lacking a param satisfies
    ``NOT params.x = 'a'``)."""

    item: Node


Node = Comparison | And | Or | Not


@dataclass(frozen=True)
class OrderKey:
    """One sort key. Runs lacking the value (or whose latest metric is NaN) sort last either way."""

    ident: Identifier
    ascending: bool = True
