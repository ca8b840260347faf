"""``experiments/*``: create, get, get-by-name, search, update (rename), delete, restore, tags."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter

from carnet.entities import Experiment
from carnet.exceptions import InvalidArgument, InvalidFilter, NotFound
from carnet.search import decode_page_token, encode_page_token
from carnet.server import checks
from carnet.server.deps import StoreDep
from carnet.server.mlflow import convert
from carnet.server.mlflow.deps import ArtifactRootDep
from carnet.server.mlflow.request import Body, Message, Query, as_int, key_values, required, text
from carnet.store.base import TrackingStore
from carnet.validation import MAX_TAG_VALUE_LENGTH, check_text

router = APIRouter(prefix="/experiments")

SEARCH_MAX_RESULTS = 50_000


@router.post("/create")
def create(body: Body, store: StoreDep) -> Message:
    name = text(body, "name")
    checks.check_entity_name(name, "name")
    if body.get("artifact_location"):
        checks.check_artifact_location(body["artifact_location"])  # a precise reason for a bad one
        raise InvalidArgument(
            "artifact_location: this server keeps artifacts under its own root; leave it out",
            field="artifact_location",
        )
    tags = dict(key_values(body.get("tags"), "tags"))
    checks.check_tags(tags)
    return {"experiment_id": store.create_experiment(name, None, tags)}


@router.get("/get")
def get(query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    exp = store.get_experiment(text(query, "experiment_id"))
    return {"experiment": convert.experiment(exp, root)}


@router.get("/get-by-name")
def get_by_name(query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    name = text(query, "experiment_name")
    exp = store.get_experiment_by_name(name)
    if exp is None:
        raise NotFound(f"Could not find experiment with name '{name}'", field="experiment_name")
    return {"experiment": convert.experiment(exp, root)}


@router.post("/update")
def update(body: Body, store: StoreDep) -> Message:
    new_name = text(body, "new_name")
    checks.check_entity_name(new_name, "new_name")
    store.rename_experiment(text(body, "experiment_id"), new_name)
    return {}


@router.post("/delete")
def delete(body: Body, store: StoreDep) -> Message:
    store.delete_experiment(text(body, "experiment_id"))
    return {}


@router.post("/restore")
def restore(body: Body, store: StoreDep) -> Message:
    store.restore_experiment(text(body, "experiment_id"))
    return {}


@router.post("/set-experiment-tag")
def set_tag(body: Body, store: StoreDep) -> Message:
    key = text(body, "key")
    checks.check_key(key, "key")
    value = str(body.get("value") or "")
    check_text(value, "value", MAX_TAG_VALUE_LENGTH)
    store.set_experiment_tag(text(body, "experiment_id"), key, value)
    return {}


# -- search -----------------------------------------------------------------------------------

_CLAUSE = re.compile(
    r"""^\s*(?:(?P<entity>attributes?|tags?)\.)?(?P<key>`[^`]+`|"[^"]+"|[\w.\-/: ]+?)\s*
    (?P<op>=|!=|<>|NOT\s+ILIKE|NOT\s+LIKE|ILIKE|LIKE)\s*'(?P<value>(?:[^']|'')*)'\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def _like(pattern: str, value: str, ignore_case: bool) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _predicate(clause: str) -> Any:
    match = _CLAUSE.match(clause)
    if match is None:
        raise InvalidFilter(
            f"Invalid filter clause {clause.strip()!r}: use name = 'x', name LIKE 'x%' or tags.key = 'v' "
            "joined with AND",
            field="filter",
        )
    entity = (match["entity"] or "attribute").lower().rstrip("s")
    key = match["key"].strip().strip('`"')
    op = re.sub(r"\s+", " ", match["op"].upper())
    wanted = match["value"].replace("''", "'")
    if entity.startswith("attribute") and key != "name":
        raise InvalidFilter(
            f"Invalid attribute {key!r} in the filter: only name is searchable", field="filter"
        )

    def test(exp: Experiment) -> bool:
        value = exp.name if entity.startswith("attribute") else exp.tags.get(key)
        if value is None:
            return False
        if op == "=":
            return value == wanted
        if op in ("!=", "<>"):
            return value != wanted
        found = _like(wanted, value, "ILIKE" in op)
        return not found if op.startswith("NOT") else found

    return test


_ORDER_FIELDS = {"name", "experiment_id", "creation_time", "last_update_time"}


def _sort(experiments: list[Experiment], order_by: list[str]) -> list[Experiment]:
    keys: list[tuple[str, bool]] = []
    for clause in order_by:
        parts = clause.strip().split()
        field = parts[0].removeprefix("attributes.").removeprefix("attribute.") if parts else ""
        direction = parts[1].upper() if len(parts) > 1 else "ASC"
        if field not in _ORDER_FIELDS or direction not in ("ASC", "DESC") or len(parts) > 2:
            raise InvalidFilter(f"Invalid order_by clause {clause!r}", field="order_by")
        keys.append((field, direction == "DESC"))
    if not keys:
        keys = [("creation_time", True)]
    keys.append(("experiment_id", False))

    def value(exp: Experiment, field: str) -> Any:
        return (
            int(exp.experiment_id)
            if field == "experiment_id" and exp.experiment_id.isdigit()
            else getattr(exp, field)
        )

    out = list(experiments)
    for field, descending in reversed(keys):
        out.sort(key=lambda e, f=field: value(e, f), reverse=descending)  # type: ignore[misc]
    return out


def _search(store: TrackingStore, msg: Message, root: Any) -> Message:
    max_results = as_int(msg, "max_results", 1000) or 1000
    if not 0 < max_results <= SEARCH_MAX_RESULTS:
        raise InvalidArgument(
            f"Invalid value {max_results} for parameter 'max_results': "
            f"it must be at most {SEARCH_MAX_RESULTS}",
            field="max_results",
        )
    offset = decode_page_token(msg.get("page_token") or None)
    view = convert.view_type(msg.get("view_type"))
    found = store.search_experiments(view)
    filter_string = str(msg.get("filter") or "").strip()
    if filter_string:
        predicates = [_predicate(c) for c in re.split(r"\s+AND\s+", filter_string, flags=re.IGNORECASE)]
        found = [e for e in found if all(p(e) for p in predicates)]
    order_by = msg.get("order_by")
    found = _sort(
        found, [str(o) for o in (order_by if isinstance(order_by, list) else [order_by] if order_by else [])]
    )
    page = found[offset : offset + max_results]
    out: Message = {"experiments": [convert.experiment(e, root) for e in page]}
    if offset + max_results < len(found):
        out["next_page_token"] = encode_page_token(offset + max_results)
    return out


@router.post("/search")
def search_post(body: Body, store: StoreDep, root: ArtifactRootDep) -> Message:
    return _search(store, body, root)


@router.get("/search")
def search_get(query: Query, store: StoreDep, root: ArtifactRootDep) -> Message:
    return _search(store, query, root)


__all__ = ["required", "router"]
