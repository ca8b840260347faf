"""The registry's search grammars (registered models, model versions) and the in-memory evaluator."""

from __future__ import annotations

import pytest

from carnet.exceptions import InvalidFilter
from carnet.search import (
    And,
    Comparison,
    Identifier,
    OrderKey,
    matches,
    parse_model_version_filter,
    parse_model_version_order_by,
    parse_registered_model_filter,
    parse_registered_model_order_by,
    sort_by,
)


def A(key: str) -> Identifier:
    return Identifier("attribute", key)


def T(key: str) -> Identifier:
    return Identifier("tag", key)


def test_mlflow_clients_model_filter_parses() -> None:
    """The client appends the prompt clause with ``tag.`` and backticks to every model search."""
    node = parse_registered_model_filter("name LIKE 'iris%' AND tag.`mlflow.prompt.is_prompt` != 'true'")
    assert node == And(
        (Comparison(A("name"), "LIKE", "iris%"), Comparison(T("mlflow.prompt.is_prompt"), "!=", "true"))
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = 'm'", Comparison(A("name"), "=", "m")),
        ("attributes.name IN ('a', 'b')", Comparison(A("name"), "IN", ("a", "b"))),
        ("timestamp > 5", Comparison(A("creation_timestamp"), ">", 5)),
        ("tags.team = 'a'", Comparison(T("team"), "=", "a")),
    ],
)
def test_registered_model_filters(text: str, expected: Comparison) -> None:
    assert parse_registered_model_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name='iris-clf'", Comparison(A("name"), "=", "iris-clf")),
        ("run_id = 'abc'", Comparison(A("run_id"), "=", "abc")),
        ("version_number >= 2", Comparison(A("version_number"), ">=", 2)),
        ("version = 2", Comparison(A("version_number"), "=", 2)),
        ("source_path LIKE 's3://%'", Comparison(A("source_path"), "LIKE", "s3://%")),
        ("current_stage = 'Production'", Comparison(A("current_stage"), "=", "Production")),
    ],
)
def test_model_version_filters(text: str, expected: Comparison) -> None:
    assert parse_model_version_filter(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "metrics.x > 1",
        "params.a = 'b'",
        "run_id = 'a'",
        "version_number = 'two'",
        "name = 1",
        "colour = 'red'",
    ],
)
def test_registered_model_filters_refuse(text: str) -> None:
    with pytest.raises(InvalidFilter):
        parse_registered_model_filter(text)


def test_model_version_filter_refuses_a_string_version() -> None:
    with pytest.raises(InvalidFilter):
        parse_model_version_filter("version_number = 'two'")
    with pytest.raises(InvalidFilter):
        parse_model_version_filter("metrics.acc > 0.5")


def test_order_by() -> None:
    assert parse_registered_model_order_by(["name DESC", "timestamp"]) == [
        OrderKey(A("name"), False),
        OrderKey(A("creation_timestamp"), True),
    ]
    assert parse_model_version_order_by(["version_number DESC"]) == [OrderKey(A("version_number"), False)]


def test_evaluator_missing_values() -> None:
    def value_of(item: dict[str, str], key: Comparison | OrderKey) -> str | None:
        return item.get(key.ident.key)

    node = parse_registered_model_filter("tags.t != 'x'")
    assert node is not None
    assert not matches(node, {}, value_of)
    assert matches(node, {}, value_of, missing_matches_negations=True)
    assert not matches(node, {"t": "x"}, value_of, missing_matches_negations=True)
    items = [{"name": "b"}, {}, {"name": "a"}]
    keys = parse_registered_model_order_by(["name"])
    assert sort_by(items, keys, value_of) == [{"name": "a"}, {"name": "b"}, {}]
