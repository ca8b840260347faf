"""The wire contract of the endpoints the studio's pages read: run tags of any run, the runs table,
experiment summaries."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from carnet.entities import ViewType

MAX_TABLE_ROWS = 1000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunTagsRequest(_Model):
    """Tags to set (key -> value) and keys to delete, on a run in any status."""

    tags: dict[str, str] = Field(default_factory=dict)
    deleted: list[str] = Field(default_factory=list)


class RunsTableRequest(_Model):
    """One page of an experiment's runs table: the search (filter, order, page) and the columns
    to fill (``params.x``, ``metrics.x``, ``tags.x``, ``attributes.x``). ``nested``: without a
    filter, list top-level runs with their children under them. ``auto_columns`` with no
    ``columns``: the first few metrics and params of the page."""

    experiment_ids: list[str] = Field(min_length=1)
    filter: str | None = None
    order_by: list[str] | None = None
    max_results: int = Field(default=50, ge=1, le=MAX_TABLE_ROWS)
    page_token: str | None = None
    view: ViewType = ViewType.ACTIVE_ONLY
    columns: list[str] = Field(default_factory=list, max_length=200)
    nested: bool = True
    auto_columns: bool = False
