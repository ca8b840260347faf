"""The model registry in the SQL store: registered models, versions, tags, stages, aliases and
the history of changes.

Searches load the registry's models (or versions) with their tags in a few indexed reads and
filter them in Python (``carnet.search.evaluate``): a registry holds hundreds of models, not
millions, and the grammar stays the same as for runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carnet.entities import ModelStage, ModelVersion, ModelVersionEvent, RegisteredModel
from carnet.exceptions import AlreadyExists, InvalidValue, NotFound
from carnet.search import Comparison, Node, OrderKey, matches, sort_by
from carnet.search.ast import And
from carnet.store.sql import model_sources
from carnet.store.sql.models import (
    ModelAliasRow,
    ModelVersionEventRow,
    ModelVersionRow,
    ModelVersionTagRow,
    RegisteredModelRow,
    RegisteredModelTagRow,
)
from carnet.utils import now_ms
from carnet.validation import (
    MAX_REGISTRY_TAG_VALUE_LENGTH,
    check_alias,
    check_description,
    check_key,
    check_model_name,
    check_text,
    check_user_id,
    check_version_number,
)

# Stages that "archive the existing versions" applies to (MLflow's active stages).
_ACTIVE_STAGES = (ModelStage.STAGING, ModelStage.PRODUCTION)


# -- loading ----------------------------------------------------------------------------------


def load_model(session: Session, name: str, *, for_update: bool = False) -> RegisteredModelRow:
    if not isinstance(name, str) or not name:
        raise NotFound(f"registered model {name!r} does not exist", field="name")
    stmt = select(RegisteredModelRow).where(RegisteredModelRow.name == name)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(f"registered model {name!r} does not exist", field="name")
    return row


def load_version(session: Session, model: RegisteredModelRow, version: int | str) -> ModelVersionRow:
    number = check_version_number(version)
    row = session.get(ModelVersionRow, (model.model_key, number))
    if row is None:
        raise NotFound(f"registered model {model.name!r} has no version {number}", field="version")
    return row


def _record(
    session: Session,
    model: RegisteredModelRow,
    version: int,
    kind: str,
    from_value: str | None,
    to_value: str | None,
    user_id: str,
    when: int,
) -> None:
    session.add(
        ModelVersionEventRow(
            model_key=model.model_key,
            version=version,
            kind=kind,
            from_value=from_value,
            to_value=to_value,
            user_id=check_user_id(user_id),
            timestamp=when,
        )
    )


def _check_tags(tags: dict[str, str], field: str) -> None:
    for key, value in tags.items():
        check_key(key, field)
        check_text(value, f"{field}.{key}", MAX_REGISTRY_TAG_VALUE_LENGTH)


# -- registered models ------------------------------------------------------------------------


def create_model(
    session: Session, name: str, tags: dict[str, str], description: str | None
) -> RegisteredModelRow:
    check_model_name(name)
    _check_tags(tags, "tags")
    if session.scalar(select(RegisteredModelRow.model_key).where(RegisteredModelRow.name == name)):
        raise AlreadyExists(f"a registered model named {name!r} exists already", field="name")
    now = now_ms()
    row = RegisteredModelRow(
        name=name,
        description=check_description(description),
        next_version=1,
        creation_timestamp=now,
        last_updated_timestamp=now,
    )
    session.add(row)
    session.flush()
    for key, value in tags.items():
        session.add(RegisteredModelTagRow(model_key=row.model_key, key=key, value=value))
    session.flush()
    return row


def rename_model(session: Session, name: str, new_name: str) -> RegisteredModelRow:
    check_model_name(new_name, "new_name")
    row = load_model(session, name, for_update=True)
    if new_name != name:
        taken = session.scalar(
            select(RegisteredModelRow.model_key).where(RegisteredModelRow.name == new_name)
        )
        if taken is not None:
            raise AlreadyExists(f"a registered model named {new_name!r} exists already", field="new_name")
        row.name = new_name
        row.last_updated_timestamp = now_ms()
        session.flush()
    return row


def update_model(session: Session, name: str, description: str) -> RegisteredModelRow:
    row = load_model(session, name, for_update=True)
    row.description = check_description(description)
    row.last_updated_timestamp = now_ms()
    return row


def delete_model(session: Session, name: str) -> None:
    row = load_model(session, name, for_update=True)
    session.delete(row)


def set_model_tag(session: Session, name: str, key: str, value: str) -> None:
    _check_tags({key: value}, "key")
    row = load_model(session, name, for_update=True)
    tag = session.get(RegisteredModelTagRow, (row.model_key, key))
    if tag is None:
        session.add(RegisteredModelTagRow(model_key=row.model_key, key=key, value=value))
    else:
        tag.value = value
    row.last_updated_timestamp = now_ms()


def delete_model_tag(session: Session, name: str, key: str) -> None:
    row = load_model(session, name, for_update=True)
    tag = session.get(RegisteredModelTagRow, (row.model_key, key))
    if tag is None:
        raise NotFound(f"registered model {name!r} has no tag {key!r}", field="key")
    session.delete(tag)
    row.last_updated_timestamp = now_ms()


# -- versions ---------------------------------------------------------------------------------


def create_version(
    session: Session,
    name: str,
    source: str,
    run_id: str | None,
    model_id: str | None,
    tags: dict[str, str],
    description: str | None,
    user_id: str,
) -> ModelVersionRow:
    _check_tags(tags, "tags")
    text = check_description(description)
    model = load_model(session, name, for_update=True)  # the lock serializes version numbers
    resolved = model_sources.resolve(session, source, run_id, model_id)
    now = now_ms()
    number = model.next_version
    model.next_version = number + 1
    model.last_updated_timestamp = now
    row = ModelVersionRow(
        model_key=model.model_key,
        version=number,
        current_stage=ModelStage.NONE.value,
        source=resolved.source,
        storage_location=resolved.storage_location,
        run_id=resolved.run_id,
        model_id=resolved.model_id,
        description=text,
        user_id=check_user_id(user_id),
        status="READY",
        creation_timestamp=now,
        last_updated_timestamp=now,
    )
    session.add(row)
    session.flush()
    for key, value in tags.items():
        session.add(ModelVersionTagRow(model_key=model.model_key, version=number, key=key, value=value))
    _record(session, model, number, "created", None, resolved.source, user_id, now)
    session.flush()
    return row


def update_version(session: Session, name: str, version: int | str, description: str) -> ModelVersionRow:
    model = load_model(session, name)
    row = load_version(session, model, version)
    row.description = check_description(description)
    row.last_updated_timestamp = now_ms()
    return row


def delete_version(session: Session, name: str, version: int | str, user_id: str = "") -> None:
    model = load_model(session, name, for_update=True)
    row = load_version(session, model, version)
    now = now_ms()
    for alias in session.scalars(
        select(ModelAliasRow.alias).where(
            ModelAliasRow.model_key == model.model_key, ModelAliasRow.version == row.version
        )
    ):
        _record(session, model, row.version, "alias_deleted", alias, None, user_id, now)
    _record(session, model, row.version, "deleted", row.current_stage, None, user_id, now)
    session.delete(row)
    model.last_updated_timestamp = now


def set_version_tag(session: Session, name: str, version: int | str, key: str, value: str) -> None:
    _check_tags({key: value}, "key")
    row = load_version(session, load_model(session, name), version)
    tag = session.get(ModelVersionTagRow, (row.model_key, row.version, key))
    if tag is None:
        session.add(ModelVersionTagRow(model_key=row.model_key, version=row.version, key=key, value=value))
    else:
        tag.value = value
    row.last_updated_timestamp = now_ms()


def delete_version_tag(session: Session, name: str, version: int | str, key: str) -> None:
    row = load_version(session, load_model(session, name), version)
    tag = session.get(ModelVersionTagRow, (row.model_key, row.version, key))
    if tag is None:
        raise NotFound(f"version {row.version} of {name!r} has no tag {key!r}", field="key")
    session.delete(tag)
    row.last_updated_timestamp = now_ms()


def transition_stage(
    session: Session,
    name: str,
    version: int | str,
    stage: ModelStage | str,
    archive_existing_versions: bool,
    user_id: str,
) -> ModelVersionRow:
    target = ModelStage.parse(stage)
    if archive_existing_versions and target not in _ACTIVE_STAGES:
        raise InvalidValue(
            f"archive_existing_versions: only a move to Staging or Production archives the other "
            f"versions, not a move to {target.value}",
            field="archive_existing_versions",
        )
    model = load_model(session, name, for_update=True)
    row = load_version(session, model, version)
    now = now_ms()
    if archive_existing_versions:
        others = session.scalars(
            select(ModelVersionRow).where(
                ModelVersionRow.model_key == model.model_key,
                ModelVersionRow.current_stage == target.value,
                ModelVersionRow.version != row.version,
            )
        )
        for other in others:
            _record(session, model, other.version, "stage", other.current_stage, "Archived", user_id, now)
            other.current_stage = ModelStage.ARCHIVED.value
            other.last_updated_timestamp = now
    if row.current_stage != target.value:
        _record(session, model, row.version, "stage", row.current_stage, target.value, user_id, now)
        row.current_stage = target.value
    row.last_updated_timestamp = now
    model.last_updated_timestamp = now
    session.flush()
    return row


def latest_versions(
    session: Session, name: str, stages: Sequence[ModelStage | str] | None
) -> list[ModelVersionRow]:
    model = load_model(session, name)
    wanted = [ModelStage.parse(s) for s in stages] if stages else list(ModelStage)
    newest = _newest_per_stage(session, [model.model_key]).get(model.model_key, {})
    out = []
    for stage in dict.fromkeys(wanted):
        number = newest.get(stage.value)
        if number is not None:
            out.append(load_version(session, model, number))
    return out


def _newest_per_stage(session: Session, model_keys: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for start in range(0, len(model_keys), 500):
        chunk = model_keys[start : start + 500]
        stmt = (
            select(
                ModelVersionRow.model_key, ModelVersionRow.current_stage, func.max(ModelVersionRow.version)
            )
            .where(ModelVersionRow.model_key.in_(chunk))
            .group_by(ModelVersionRow.model_key, ModelVersionRow.current_stage)
        )
        for key, stage, number in session.execute(stmt):
            out.setdefault(key, {})[stage] = number
    return out


# -- aliases ----------------------------------------------------------------------------------


def set_alias(session: Session, name: str, alias: str, version: int | str, user_id: str) -> None:
    check_alias(alias)
    model = load_model(session, name, for_update=True)
    row = load_version(session, model, version)
    now = now_ms()
    found = session.get(ModelAliasRow, (model.model_key, alias))
    if found is not None and found.version == row.version:
        return
    if found is None:
        session.add(ModelAliasRow(model_key=model.model_key, alias=alias, version=row.version))
    else:
        _record(session, model, found.version, "alias_deleted", alias, None, user_id, now)
        found.version = row.version
    _record(session, model, row.version, "alias_set", None, alias, user_id, now)
    model.last_updated_timestamp = now


def delete_alias(session: Session, name: str, alias: str, user_id: str) -> None:
    model = load_model(session, name, for_update=True)
    found = session.get(ModelAliasRow, (model.model_key, alias))
    if found is None:
        raise NotFound(f"registered model {name!r} has no alias {alias!r}", field="alias")
    now = now_ms()
    _record(session, model, found.version, "alias_deleted", alias, None, user_id, now)
    session.delete(found)
    model.last_updated_timestamp = now


def version_by_alias(session: Session, name: str, alias: str) -> ModelVersionRow:
    model = load_model(session, name)
    found = session.get(ModelAliasRow, (model.model_key, alias)) if isinstance(alias, str) else None
    if found is None:
        raise NotFound(f"registered model {name!r} has no alias {alias!r}", field="alias")
    return load_version(session, model, found.version)


def history(session: Session, name: str, version: int | str | None) -> list[ModelVersionEvent]:
    model = load_model(session, name)
    stmt = select(ModelVersionEventRow).where(ModelVersionEventRow.model_key == model.model_key)
    if version is not None:
        stmt = stmt.where(ModelVersionEventRow.version == check_version_number(version))
    stmt = stmt.order_by(ModelVersionEventRow.timestamp, ModelVersionEventRow.event_id)
    return [
        ModelVersionEvent(
            name=model.name,
            version=e.version,
            kind=e.kind,
            from_value=e.from_value,
            to_value=e.to_value,
            user_id=e.user_id,
            timestamp=e.timestamp,
        )
        for e in session.scalars(stmt)
    ]


# -- entities ---------------------------------------------------------------------------------


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), 500):
        yield values[start : start + 500]


def _model_tags(session: Session, keys: list[int]) -> dict[int, dict[str, str]]:
    tags: dict[int, dict[str, str]] = {k: {} for k in keys}
    for chunk in _chunks(keys):
        stmt = select(RegisteredModelTagRow.model_key, RegisteredModelTagRow.key, RegisteredModelTagRow.value)
        for key, tag, value in session.execute(stmt.where(RegisteredModelTagRow.model_key.in_(chunk))):
            tags[key][tag] = value
    return tags


def version_entities(session: Session, rows: Sequence[ModelVersionRow]) -> list[ModelVersion]:
    """Versions with their model's name, tags and aliases, in a few queries for the lot."""
    keys = sorted({r.model_key for r in rows})
    names: dict[int, str] = {}
    tags: dict[tuple[int, int], dict[str, str]] = {(r.model_key, r.version): {} for r in rows}
    aliases: dict[tuple[int, int], list[str]] = {(r.model_key, r.version): [] for r in rows}
    for chunk in _chunks(keys):
        for key, name in session.execute(
            select(RegisteredModelRow.model_key, RegisteredModelRow.name).where(
                RegisteredModelRow.model_key.in_(chunk)
            )
        ):
            names[key] = name
        for key, version, tag, value in session.execute(
            select(
                ModelVersionTagRow.model_key,
                ModelVersionTagRow.version,
                ModelVersionTagRow.key,
                ModelVersionTagRow.value,
            ).where(ModelVersionTagRow.model_key.in_(chunk))
        ):
            if (key, version) in tags:
                tags[(key, version)][tag] = value
        for key, alias, version in session.execute(
            select(ModelAliasRow.model_key, ModelAliasRow.alias, ModelAliasRow.version)
            .where(ModelAliasRow.model_key.in_(chunk))
            .order_by(ModelAliasRow.alias)
        ):
            if (key, version) in aliases:
                aliases[(key, version)].append(alias)
    return [
        ModelVersion(
            name=names[r.model_key],
            version=r.version,
            creation_timestamp=r.creation_timestamp,
            last_updated_timestamp=r.last_updated_timestamp,
            current_stage=ModelStage(r.current_stage),
            source=r.source,
            run_id=r.run_id,
            model_id=r.model_id,
            description=r.description,
            user_id=r.user_id,
            status=r.status,
            tags=tags[(r.model_key, r.version)],
            aliases=aliases[(r.model_key, r.version)],
        )
        for r in rows
    ]


def model_entities(session: Session, rows: Sequence[RegisteredModelRow]) -> list[RegisteredModel]:
    """Models with their tags, aliases and latest version per stage."""
    keys = [r.model_key for r in rows]
    tags = _model_tags(session, keys)
    aliases: dict[int, dict[str, int]] = {k: {} for k in keys}
    latest_rows: list[ModelVersionRow] = []
    for chunk in _chunks(keys):
        for key, alias, version in session.execute(
            select(ModelAliasRow.model_key, ModelAliasRow.alias, ModelAliasRow.version)
            .where(ModelAliasRow.model_key.in_(chunk))
            .order_by(ModelAliasRow.alias)
        ):
            aliases[key][alias] = version
    for chunk in _chunks(keys):
        # The newest version of each (model, stage): one query for the lot.
        newest_ids = (
            select(ModelVersionRow.model_key, func.max(ModelVersionRow.version).label("version"))
            .where(ModelVersionRow.model_key.in_(chunk))
            .group_by(ModelVersionRow.model_key, ModelVersionRow.current_stage)
            .subquery()
        )
        stmt = (
            select(ModelVersionRow)
            .join(
                newest_ids,
                (newest_ids.c.model_key == ModelVersionRow.model_key)
                & (newest_ids.c.version == ModelVersionRow.version),
            )
            .order_by(ModelVersionRow.model_key, ModelVersionRow.version)
        )
        latest_rows.extend(session.scalars(stmt))
    latest: dict[int, list[ModelVersion]] = {k: [] for k in keys}
    for version_row, entity in zip(latest_rows, version_entities(session, latest_rows), strict=True):
        latest[version_row.model_key].append(entity)
    return [
        RegisteredModel(
            name=r.name,
            creation_timestamp=r.creation_timestamp,
            last_updated_timestamp=r.last_updated_timestamp,
            description=r.description,
            tags=tags[r.model_key],
            aliases=aliases[r.model_key],
            latest_versions=latest[r.model_key],
        )
        for r in rows
    ]


# -- search -----------------------------------------------------------------------------------


def _exact_name(node: Node | None) -> str | None:
    """The name a filter pins with a top-level ``name = '...'``, to narrow the read."""
    items = node.items if isinstance(node, And) else (node,) if node is not None else ()
    for item in items:
        if (
            isinstance(item, Comparison)
            and item.ident.entity == "attribute"
            and item.ident.key == "name"
            and item.op == "="
            and isinstance(item.value, str)
        ):
            return item.value
    return None


def _model_value(item: tuple[RegisteredModelRow, dict[str, str]], key: Comparison | OrderKey) -> Any:
    row, tags = item
    if key.ident.entity == "tag":
        return tags.get(key.ident.key)
    return getattr(row, key.ident.key)


def search_models(session: Session, node: Node | None, order_by: list[OrderKey]) -> list[RegisteredModelRow]:
    """The models matching ``node`` in ``order_by`` order (then by name)."""
    stmt = select(RegisteredModelRow)
    pinned = _exact_name(node)
    if pinned is not None:
        stmt = stmt.where(RegisteredModelRow.name == pinned)
    rows = list(session.scalars(stmt))
    tags = _model_tags(session, [r.model_key for r in rows])
    items = [(r, tags[r.model_key]) for r in rows]
    if node is not None:
        items = [i for i in items if matches(node, i, _model_value, missing_matches_negations=True)]
    items.sort(key=lambda i: i[0].name)
    return [row for row, _ in sort_by(items, order_by, _model_value)]


def _version_value(item: tuple[ModelVersion, str], key: Comparison | OrderKey) -> Any:
    version, _ = item
    ident = key.ident
    if ident.entity == "tag":
        return version.tags.get(ident.key)
    if ident.key == "version_number":
        return version.version
    if ident.key == "source_path":
        return version.source
    if ident.key == "current_stage":
        return version.current_stage.value
    value = getattr(version, ident.key)
    return value if value != "" or ident.key in ("name", "description") else None


def search_versions(session: Session, node: Node | None, order_by: list[OrderKey]) -> list[ModelVersion]:
    """The versions matching ``node`` in ``order_by`` order (by default: by name, newest first)."""
    stmt = select(ModelVersionRow)
    pinned = _exact_name(node)
    if pinned is not None:
        stmt = stmt.join(RegisteredModelRow, RegisteredModelRow.model_key == ModelVersionRow.model_key).where(
            RegisteredModelRow.name == pinned
        )
    versions = version_entities(session, list(session.scalars(stmt)))
    items = [(v, v.name) for v in versions]
    if node is not None:
        items = [i for i in items if matches(node, i, _version_value, missing_matches_negations=True)]
    items.sort(key=lambda i: -i[0].version)
    items.sort(key=lambda i: i[1])
    return [v for v, _ in sort_by(items, order_by, _version_value)]
