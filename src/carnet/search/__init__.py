"""Run, logged-model and model-registry search: the filter and order-by grammar, its syntax tree,
and page tokens.

Pure Python; stores compile the tree (see ``carnet.store.sql.search`` for SQL) or evaluate it on
entities (``carnet.search.evaluate``).
"""

from carnet.search.ast import And, Comparison, Identifier, Node, Not, Operator, Or, OrderKey, Value
from carnet.search.evaluate import matches, sort_by
from carnet.search.paging import decode_page_token, encode_page_token
from carnet.search.parser import (
    ATTRIBUTE_NAMES,
    ENTITY_PREFIXES,
    LOGGED_MODEL_ATTRIBUTE_NAMES,
    parse_filter,
    parse_logged_model_filter,
    parse_logged_model_order_by,
    parse_model_version_filter,
    parse_model_version_order_by,
    parse_order_by,
    parse_registered_model_filter,
    parse_registered_model_order_by,
)

__all__ = [
    "ATTRIBUTE_NAMES",
    "ENTITY_PREFIXES",
    "LOGGED_MODEL_ATTRIBUTE_NAMES",
    "And",
    "Comparison",
    "Identifier",
    "Node",
    "Not",
    "Operator",
    "Or",
    "OrderKey",
    "Value",
    "decode_page_token",
    "encode_page_token",
    "matches",
    "parse_filter",
    "parse_logged_model_filter",
    "parse_logged_model_order_by",
    "parse_model_version_filter",
    "parse_model_version_order_by",
    "parse_order_by",
    "parse_registered_model_filter",
    "parse_registered_model_order_by",
    "sort_by",
]
