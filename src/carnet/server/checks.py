"""Validation at the API edge: names and values checked as the SDK checks them, so a raw HTTP
client cannot store what the SDK would refuse (path-like keys, overlong values, ...)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from carnet.validation import (
    MAX_PARAM_VALUE_LENGTH,
    MAX_TAG_VALUE_LENGTH,
    check_artifact_location,
    check_description,
    check_entity_name,
    check_key,
    check_text,
)


def check_tags(tags: Mapping[str, str], field: str = "tags") -> None:
    for key, value in tags.items():
        check_key(key, field)
        check_text(value, f"{field}.{key}", MAX_TAG_VALUE_LENGTH)


def check_params(params: Iterable[tuple[str, str]]) -> None:
    for key, value in params:
        check_key(key, "params")
        check_text(value, f"params.{key}", MAX_PARAM_VALUE_LENGTH)


def check_metric_keys(keys: Iterable[str], field: str = "metrics") -> None:
    for key in set(keys):
        check_key(key, field)


def check_optional_name(name: str | None, field: str) -> None:
    """A run name may be left out (None or empty: the store generates one), else it is checked."""
    if name:
        check_entity_name(name, field)


__all__ = [
    "check_artifact_location",
    "check_description",
    "check_entity_name",
    "check_key",
    "check_metric_keys",
    "check_optional_name",
    "check_params",
    "check_tags",
]
