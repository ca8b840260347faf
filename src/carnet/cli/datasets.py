"""How the datasets a run logged as inputs are printed, by ``carnet runs show`` and
``carnet models show --version``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from carnet.cli import output
from carnet.entities import DatasetInput


def dataset_json(item: DatasetInput) -> dict[str, Any]:
    d = item.dataset
    return {
        "name": d.name,
        "digest": d.digest,
        "context": item.context,
        "source_type": d.source_type,
        "source": d.source,
        "tags": dict(item.tags),
    }


def datasets_table(items: Sequence[DatasetInput], title: str = "Datasets") -> Table:
    table = output.make_table(["Dataset", "Digest", "Context", "Source"], title=title)
    for item in items:
        d = item.dataset
        table.add_row(Text(d.name), Text(d.digest), Text(item.context or ""), Text(d.source))
    return table
