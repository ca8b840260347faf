"""Evaluate a parsed filter and order-by on objects in memory.

For searches over small sets (a registry's models and versions): loading them in one indexed read
and filtering in Python beats compiling every filter to SQL. ``value_of`` reads the value a
comparison or sort key looks at (None when the object lacks it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from carnet.search.ast import And, Comparison, Node, Not, Or, OrderKey

T = TypeVar("T")
ValueOf = Callable[[T, Comparison | OrderKey], Any]

_NEGATIONS = frozenset({"!=", "NOT LIKE", "NOT ILIKE", "NOT IN"})


def like_pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """SQL LIKE as a regular expression: ``%`` any run, ``_`` one character, ``\\`` escapes."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return re.compile("".join(out), flags | re.DOTALL)


def compare(op: str, have: Any, want: Any) -> bool:
    if op == "=":
        return bool(have == want)
    if op == "!=":
        return bool(have != want)
    if op == "<":
        return bool(have < want)
    if op == "<=":
        return bool(have <= want)
    if op == ">":
        return bool(have > want)
    if op == ">=":
        return bool(have >= want)
    if op in ("LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE"):
        flags = re.IGNORECASE if "ILIKE" in op else 0
        hit = like_pattern(str(want), flags).fullmatch(str(have)) is not None
        return hit != op.startswith("NOT")
    if op == "IN":
        return have in want
    if op == "NOT IN":
        return have not in want
    raise AssertionError(f"unknown operator {op}")  # pragma: no cover - the parser checks operators


def matches(node: Node, item: T, value_of: ValueOf[T], *, missing_matches_negations: bool = False) -> bool:
    """Whether ``item`` satisfies ``node``. An item lacking the value matches only ``IS NULL``,
    unless ``missing_matches_negations`` (MLflow's registry: a model without tag ``t`` satisfies
    ``tags.t != 'x'``)."""
    if isinstance(node, And):
        return all(
            matches(n, item, value_of, missing_matches_negations=missing_matches_negations)
            for n in node.items
        )
    if isinstance(node, Or):
        return any(
            matches(n, item, value_of, missing_matches_negations=missing_matches_negations)
            for n in node.items
        )
    if isinstance(node, Not):
        return not matches(node.item, item, value_of, missing_matches_negations=missing_matches_negations)
    have = value_of(item, node)
    if node.op == "IS NULL":
        return have is None
    if node.op == "IS NOT NULL":
        return have is not None
    if have is None:
        return missing_matches_negations and node.op in _NEGATIONS
    return compare(node.op, have, node.value)


def sort_by(items: Sequence[T], keys: Sequence[OrderKey], value_of: ValueOf[T]) -> list[T]:
    """``items`` sorted by ``keys`` (the first key first), stable; items lacking a key's value sort
    last either way."""
    out = list(items)
    for key in reversed(keys):
        present = [i for i in out if value_of(i, key) is not None]
        missing = [i for i in out if value_of(i, key) is None]
        present.sort(key=lambda i: cast(Any, value_of(i, key)), reverse=not key.ascending)
        out = present + missing
    return out
