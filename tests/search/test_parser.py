"""The search grammar: what parses to what, and what is refused with which message."""

from __future__ import annotations

import pytest

from carnet.exceptions import InvalidArgument, InvalidFilter
from carnet.search import (
    ATTRIBUTE_NAMES,
    And,
    Comparison,
    Identifier,
    Node,
    Not,
    Or,
    OrderKey,
    decode_page_token,
    encode_page_token,
    parse_filter,
    parse_order_by,
)


# Short builders keep the tables below readable.
def M(key: str) -> Identifier:
    return Identifier("metric", key)


def P(key: str) -> Identifier:
    return Identifier("param", key)


def T(key: str) -> Identifier:
    return Identifier("tag", key)


def A(key: str) -> Identifier:
    return Identifier("attribute", key)


def C(ident: Identifier, op: str, value: object = None) -> Comparison:
    return Comparison(ident, op, value)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------------------------

OPERATOR_CASES = [
    # metrics: numbers only, always floats
    ("metrics.loss = 1", C(M("loss"), "=", 1.0)),
    ("metrics.loss != 1", C(M("loss"), "!=", 1.0)),
    ("metrics.loss <> 1", C(M("loss"), "!=", 1.0)),
    ("metrics.loss < 0.5", C(M("loss"), "<", 0.5)),
    ("metrics.loss <= .5", C(M("loss"), "<=", 0.5)),
    ("metrics.loss > -1.5e3", C(M("loss"), ">", -1500.0)),
    ("metrics.loss >= +2E-2", C(M("loss"), ">=", 0.02)),
    ("metrics.loss>=-.5", C(M("loss"), ">=", -0.5)),
    ("metrics.loss<3", C(M("loss"), "<", 3.0)),
    ("metrics.loss IS NULL", C(M("loss"), "IS NULL")),
    ("metrics.loss is not null", C(M("loss"), "IS NOT NULL")),
    # params and tags: strings only
    ("params.model = 'rf'", C(P("model"), "=", "rf")),
    ('params.model = "rf"', C(P("model"), "=", "rf")),
    ("params.model != 'rf'", C(P("model"), "!=", "rf")),
    ("params.model LIKE 'R%'", C(P("model"), "LIKE", "R%")),
    ("params.model ILIKE 'r_'", C(P("model"), "ILIKE", "r_")),
    ("params.model NOT LIKE 'R%'", C(P("model"), "NOT LIKE", "R%")),
    ("params.model not ilike 'r%'", C(P("model"), "NOT ILIKE", "r%")),
    ("params.model IN ('a', 'b')", C(P("model"), "IN", ("a", "b"))),
    ("params.model IN ('a')", C(P("model"), "IN", ("a",))),
    ("params.model NOT IN ('a',\"b\")", C(P("model"), "NOT IN", ("a", "b"))),
    ("params.model IS NULL", C(P("model"), "IS NULL")),
    ("params.model IS NOT NULL", C(P("model"), "IS NOT NULL")),
    ("tags.team = 'vision'", C(T("team"), "=", "vision")),
    ("tags.team LIKE '%v%'", C(T("team"), "LIKE", "%v%")),
    ("tags.team IS NOT NULL", C(T("team"), "IS NOT NULL")),
    # attributes
    ("attributes.run_id = 'abc'", C(A("run_id"), "=", "abc")),
    ("attributes.run_id IN ('a', 'b')", C(A("run_id"), "IN", ("a", "b"))),
    ("attributes.run_id LIKE 'ab%'", C(A("run_id"), "LIKE", "ab%")),
    ("attributes.run_name ILIKE '%Run%'", C(A("run_name"), "ILIKE", "%Run%")),
    ("attributes.status = 'FINISHED'", C(A("status"), "=", "Completed")),
    ("attributes.status != 'running'", C(A("status"), "!=", "Running")),
    ("attributes.status IN ('KILLED', 'Failed')", C(A("status"), "IN", ("Canceled", "Failed"))),
    ("attributes.status NOT IN ('SCHEDULED')", C(A("status"), "NOT IN", ("Running",))),
    ("attributes.user_id = 'alice'", C(A("user_id"), "=", "alice")),
    ("attributes.artifact_uri LIKE 'file:%'", C(A("artifact_uri"), "LIKE", "file:%")),
    ("attributes.source_name = 'train.py'", C(A("source_name"), "=", "train.py")),
    ("attributes.source_type = 'LOCAL'", C(A("source_type"), "=", "LOCAL")),
    ("attributes.git_commit IS NULL", C(A("git_commit"), "IS NULL")),
    ("attributes.parent_run_id = 'p1'", C(A("parent_run_id"), "=", "p1")),
    ("attributes.parent_run_id IS NOT NULL", C(A("parent_run_id"), "IS NOT NULL")),
    ("attributes.start_time > 1000", C(A("start_time"), ">", 1000)),
    ("attributes.start_time >= 1.7e12", C(A("start_time"), ">=", 1_700_000_000_000)),
    ("attributes.end_time <= 5", C(A("end_time"), "<=", 5)),
    ("attributes.end_time IS NULL", C(A("end_time"), "IS NULL")),
    ("attributes.lifecycle_stage = 'Deleted'", C(A("lifecycle_stage"), "=", "deleted")),
]


@pytest.mark.parametrize(("text", "expected"), OPERATOR_CASES, ids=[c[0] for c in OPERATOR_CASES])
def test_operators(text: str, expected: Node) -> None:
    assert parse_filter(text) == expected


def test_metric_values_are_floats_and_millis_are_ints() -> None:
    metric = parse_filter("metrics.x = 3")
    assert isinstance(metric, Comparison) and type(metric.value) is float
    start = parse_filter("attributes.start_time = 3.0")
    assert isinstance(start, Comparison) and type(start.value) is int and start.value == 3


# ---------------------------------------------------------------------------------------------
# Identifiers: entities, quoting, aliases
# ---------------------------------------------------------------------------------------------

IDENTIFIER_CASES = [
    ("metrics.loss", M("loss")),
    ("metric.loss", M("loss")),
    ("METRICS.loss", M("loss")),
    ("params.alpha", P("alpha")),
    ("param.alpha", P("alpha")),
    ("tags.team", T("team")),
    ("tag.team", T("team")),
    ("attributes.run_name", A("run_name")),
    ("attribute.run_name", A("run_name")),
    ("attr.run_name", A("run_name")),
    ("run.run_name", A("run_name")),
    # unquoted keys keep letters, digits and _ - . / :
    ("metrics.val/loss", M("val/loss")),
    ("metrics.train-loss_2", M("train-loss_2")),
    ("metrics.a.b.c", M("a.b.c")),
    ("params.ns:key", P("ns:key")),
    ("metrics.1st", M("1st")),
    # quoted keys keep anything
    ("metrics.`my metric`", M("my metric")),
    ('params."a.b"', P("a.b")),
    ('params."has ""quotes"""', P('has "quotes"')),
    ("tags.`a``b`", T("a`b")),
    ("metrics.`a = b`", M("a = b")),
    # MLflow aliases
    ("attributes.run_uuid", A("run_id")),
    ("attributes.created", A("start_time")),
    ("attributes.Status", A("status")),
    ("tags.mlflow.runName", A("run_name")),
    ("tags.mlflow.user", A("user_id")),
    ("tags.mlflow.parentRunId", A("parent_run_id")),
    ("tags.mlflow.source.name", A("source_name")),
    ("tags.mlflow.source.type", A("source_type")),
    ("tags.mlflow.source.git.commit", A("git_commit")),
    ('tags."mlflow.runName"', A("run_name")),
    ("tags.mlflow.other", T("mlflow.other")),
]


@pytest.mark.parametrize(("written", "expected"), IDENTIFIER_CASES, ids=[c[0] for c in IDENTIFIER_CASES])
def test_identifiers(written: str, expected: Identifier) -> None:
    if expected.entity == "metric":
        value: object = 1.0
        text = f"{written} = 1"
    elif expected.key in ("start_time",):
        value, text = 1, f"{written} = 1"
    elif expected.key == "status":
        value, text = "Running", f"{written} = 'RUNNING'"
    else:
        value, text = "v", f"{written} = 'v'"
    assert parse_filter(text) == C(expected, "=", value)


def test_attribute_names_cover_the_documented_columns() -> None:
    assert {
        "run_id",
        "run_name",
        "status",
        "user_id",
        "artifact_uri",
        "source_name",
        "source_type",
        "git_commit",
        "parent_run_id",
        "start_time",
        "end_time",
        "lifecycle_stage",
    } == ATTRIBUTE_NAMES


# ---------------------------------------------------------------------------------------------
# Strings and escapes
# ---------------------------------------------------------------------------------------------

STRING_CASES = [
    ("''", ""),
    ("'it''s'", "it's"),
    ("'it\\'s'", "it's"),
    ('"say ""hi"""', 'say "hi"'),
    ('"say \\"hi\\""', 'say "hi"'),
    ("'a\\\\b'", "a\\b"),
    ("'50\\%'", "50\\%"),  # other backslashes stay, for LIKE escapes
    ("'with \"double\" inside'", 'with "double" inside'),
    ("'AND OR NOT ( )'", "AND OR NOT ( )"),
    ("'ünïcødé'", "ünïcødé"),
]


@pytest.mark.parametrize(("literal", "value"), STRING_CASES, ids=[c[0] for c in STRING_CASES])
def test_string_literals(literal: str, value: str) -> None:
    assert parse_filter(f"params.p = {literal}") == C(P("p"), "=", value)


# ---------------------------------------------------------------------------------------------
# Boolean structure
# ---------------------------------------------------------------------------------------------

a = C(M("a"), ">", 1.0)
b = C(M("b"), ">", 2.0)
c = C(M("c"), ">", 3.0)
d = C(M("d"), ">", 4.0)

BOOLEAN_CASES = [
    ("metrics.a > 1 AND metrics.b > 2", And((a, b))),
    ("metrics.a > 1 and metrics.b > 2 AnD metrics.c > 3", And((a, b, c))),
    ("metrics.a > 1 OR metrics.b > 2 or metrics.c > 3", Or((a, b, c))),
    # AND binds tighter than OR
    ("metrics.a > 1 OR metrics.b > 2 AND metrics.c > 3", Or((a, And((b, c))))),
    ("metrics.a > 1 AND metrics.b > 2 OR metrics.c > 3", Or((And((a, b)), c))),
    ("metrics.a > 1 AND metrics.b > 2 OR metrics.c > 3 AND metrics.d > 4", Or((And((a, b)), And((c, d))))),
    # NOT binds tighter than AND
    ("NOT metrics.a > 1 AND metrics.b > 2", And((Not(a), b))),
    ("not metrics.a > 1 or metrics.b > 2", Or((Not(a), b))),
    ("NOT NOT metrics.a > 1", Not(Not(a))),
    ("metrics.a > 1 AND NOT metrics.b > 2", And((a, Not(b)))),
    # parentheses
    ("(metrics.a > 1)", a),
    ("((metrics.a > 1))", a),
    ("(metrics.a > 1 OR metrics.b > 2) AND metrics.c > 3", And((Or((a, b)), c))),
    ("metrics.a > 1 AND (metrics.b > 2 OR metrics.c > 3)", And((a, Or((b, c))))),
    ("NOT (metrics.a > 1 OR metrics.b > 2)", Not(Or((a, b)))),
    ("NOT(metrics.a > 1)", Not(a)),
    ("(metrics.a > 1 AND metrics.b > 2) AND metrics.c > 3", And((And((a, b)), c))),
    ("  \n metrics.a > 1\t", a),
]


@pytest.mark.parametrize(("text", "expected"), BOOLEAN_CASES, ids=[c[0] for c in BOOLEAN_CASES])
def test_boolean_structure(text: str, expected: Node) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
def test_empty_filter_is_none(text: str | None) -> None:
    assert parse_filter(text) is None


def test_not_in_after_not() -> None:
    assert parse_filter("NOT params.a NOT IN ('x')") == Not(C(P("a"), "NOT IN", ("x",)))


def test_keywords_inside_strings_and_keys_are_data() -> None:
    node = parse_filter("params.`and` = 'or' OR tags.`not` LIKE 'and%'")
    assert node == Or((C(P("and"), "=", "or"), C(T("not"), "LIKE", "and%")))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

ERROR_CASES = [
    # structure
    ("(metrics.a > 1", "Unbalanced '('"),
    ("((metrics.a > 1) AND metrics.b > 2", "Unbalanced '('"),
    ("metrics.a > 1)", "Unbalanced ')'"),
    ("()", "Expected an identifier"),
    ("metrics.a > 1 AND", "got the end of the filter"),
    ("metrics.a > 1 OR OR metrics.b > 2", "got the keyword 'OR'"),
    ("AND metrics.a > 1", "got the keyword 'AND'"),
    ("metrics.a > 1 metrics.b > 2", "Unexpected 'metrics.b' at position 14; expected AND, OR"),
    ("metrics.a > 1 garbage", "Unexpected 'garbage'"),
    ("metrics.a > 1 ;", "Unexpected character ';'"),
    ("metrics.a ! 1", "Unexpected character '!'"),
    ("NOT", "Expected an identifier"),
    # identifiers
    ("foo.x = 1", "Unknown entity 'foo'"),
    ("metricz.x = 1", "use metrics., params., tags. or attributes."),
    ("loss < 1", "Identifier 'loss' at position 0 needs an entity prefix"),
    ("status = 'FINISHED'", "e.g. attributes.status"),
    ("attributes.foo = 'a'", "Unknown attribute 'foo'"),
    ("attributes.foo = 'a'", "valid attributes are: artifact_uri, created, end_time"),
    ("metrics. = 1", "Missing key after 'metrics.'"),
    ("metrics. `x` = 1", "Missing key after 'metrics.'"),
    ("metrics.`` = 1", "Empty key"),
    ("metrics.`x = 1", "Unterminated string"),
    ("'loss' = 1", "Expected an identifier"),
    # operators
    ("metrics.a", "Expected an operator after metric 'a'"),
    ("metrics.a 1", "Expected an operator after metric 'a'"),
    ("metrics.a LIKE '1'", "Operator LIKE is not allowed for metric 'a'; use one of =, !=, <, <=, >, >="),
    ("metrics.a IN (1, 2)", "Operator IN is not allowed for metric 'a'"),
    ("params.a > 'x'", "Operator > is not allowed for param 'a'; use one of =, !=, LIKE, ILIKE"),
    ("tags.a <= 'x'", "Operator <= is not allowed for tag 'a'"),
    ("attributes.status LIKE 'R%'", "Operator LIKE is not allowed for attribute 'status'; use one of =, !="),
    ("attributes.start_time LIKE '1%'", "Operator LIKE is not allowed for attribute 'start_time'"),
    ("attributes.start_time IS NULL", "Operator IS NULL is not allowed for attribute 'start_time'"),
    ("attributes.run_id IS NULL", "Operator IS NULL is not allowed for attribute 'run_id'"),
    ("params.a IS 'x'", "Expected NULL or NOT NULL after IS"),
    ("params.a IS NOT 'x'", "Expected NULL or NOT NULL after IS"),
    ("params.a NOT = 'x'", "Expected LIKE, ILIKE or IN after NOT"),
    # values
    ("metrics.loss = 'abc'", "Expected a numeric value for metric 'loss'"),
    ("metrics.loss = abc", "Expected a value (a quoted string or a number), got 'abc'"),
    ("metrics.loss = NULL", "using IS NULL or IS NOT NULL"),
    ("metrics.loss = ", "got the end of the filter"),
    ("metrics.loss = 1.2.3", "Invalid number '1.2.3'"),
    ("metrics.loss = 12abc", "Invalid number '12abc'"),
    ("params.alpha = 0.1", "Expected a string value for param 'alpha', got 0.1"),
    ("params.alpha = 0.1", "quote it: '0.1'"),
    ("tags.t = 5", "Expected a string value for tag 't'"),
    ("params.model = rf", "quote strings, e.g. 'rf'"),
    ("params.a IN ('x', 1)", "Expected a string value for param 'a'"),
    ("params.a IN ()", "IN needs at least one value"),
    ("params.a IN 'x'", "Expected '(' and a list of values after IN"),
    ("params.a IN ('x' 'y')", "Expected ',' or ')' in the IN list"),
    ("params.a IN ('x',)", "Expected a value"),
    ("params.a = 'abc", 'Unterminated string "\'abc"... starting at position 11'),
    ('params.a = "abc', "Unterminated string"),
    ("params.a = 'abc\\'", "Unterminated string"),
    ("params.a LIKE 'ab\\\\'", "ends with a backslash"),
    ("attributes.status = 'DONE'", "Unknown run status 'DONE' for attribute 'status'; use one of Running"),
    ("attributes.status IN ('RUNNING', 'nope')", "Unknown run status 'nope'"),
    ("attributes.status = 1", "Expected a string value for attribute 'status'"),
    ("attributes.start_time > '2024'", "Expected a number (milliseconds since the epoch)"),
    ("attributes.start_time > 1.5", "Expected a whole number of milliseconds"),
    ("attributes.lifecycle_stage = 'gone'", "Unknown lifecycle stage 'gone' for attribute 'lifecycle_stage'"),
    ("attributes.lifecycle_stage = 'gone'", "use one of active, deleted"),
    ("tags.mlflow.runName > 'x'", "Operator > is not allowed for attribute 'run_name' (tags.mlflow.runName)"),
]


@pytest.mark.parametrize(("text", "fragment"), ERROR_CASES, ids=[f"{c[0]} -> {c[1]}" for c in ERROR_CASES])
def test_errors(text: str, fragment: str) -> None:
    with pytest.raises(InvalidFilter) as info:
        parse_filter(text)
    assert fragment in str(info.value)
    assert info.value.field == "filter"
    assert str(info.value).startswith("Invalid filter: ")


def test_nesting_is_bounded() -> None:
    assert parse_filter("(" * 50 + "metrics.a > 1" + ")" * 50) == a
    assert parse_filter("NOT " * 50 + "metrics.a > 1") is not None
    for hostile in ("(" * 5000 + "metrics.a > 1" + ")" * 5000, "NOT " * 5000 + "metrics.a > 1"):
        with pytest.raises(InvalidFilter, match="Too deeply nested"):
            parse_filter(hostile)


def test_long_flat_chains_parse() -> None:
    node = parse_filter(" OR ".join(f"params.p = '{i}'" for i in range(2000)))
    assert isinstance(node, Or) and len(node.items) == 2000


def test_invalid_filter_is_a_400_invalid_argument() -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_filter("metrics.x = 'y'")
    assert info.value.to_dict()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert info.value.http_status == 400


# ---------------------------------------------------------------------------------------------
# order_by
# ---------------------------------------------------------------------------------------------

ORDER_CASES = [
    (["metrics.rmse"], [OrderKey(M("rmse"), True)]),
    (["metrics.rmse DESC"], [OrderKey(M("rmse"), False)]),
    (["metrics.rmse desc"], [OrderKey(M("rmse"), False)]),
    (["params.alpha ASC"], [OrderKey(P("alpha"), True)]),
    (["tags.team"], [OrderKey(T("team"), True)]),
    (["attributes.start_time desc"], [OrderKey(A("start_time"), False)]),
    (["start_time"], [OrderKey(A("start_time"), True)]),
    (["created DESC"], [OrderKey(A("start_time"), False)]),
    (["run_name", "end_time desc"], [OrderKey(A("run_name"), True), OrderKey(A("end_time"), False)]),
    (["metrics.`my metric` DESC"], [OrderKey(M("my metric"), False)]),
    (['params."a.b"'], [OrderKey(P("a.b"), True)]),
    (["tags.mlflow.runName"], [OrderKey(A("run_name"), True)]),
    (["  metrics.val/loss   ASC "], [OrderKey(M("val/loss"), True)]),
    ([], []),
    (None, []),
]


@pytest.mark.parametrize(("items", "expected"), ORDER_CASES, ids=[repr(c[0]) for c in ORDER_CASES])
def test_order_by(items: list[str] | None, expected: list[OrderKey]) -> None:
    assert parse_order_by(items) == expected


ORDER_ERRORS = [
    ("", "Empty clause"),
    ("   ", "Empty clause"),
    ("metrics.rmse DOWN", "Unexpected 'DOWN'"),
    ("metrics.rmse DESC ASC", "optionally followed by ASC or DESC"),
    ("foo", "Unknown attribute 'foo'"),
    ("foo.bar", "Unknown entity 'foo'"),
    ("attributes.nope", "valid attributes are"),
    ("metrics.", "Missing key after 'metrics.'"),
    ("metrics.a, metrics.b", "Unexpected ','"),
    ("'metrics.a'", "Expected an identifier"),
    ("DESC", "Unknown attribute 'DESC'"),
]


@pytest.mark.parametrize(("item", "fragment"), ORDER_ERRORS, ids=[c[0] or "empty" for c in ORDER_ERRORS])
def test_order_by_errors(item: str, fragment: str) -> None:
    with pytest.raises(InvalidFilter) as info:
        parse_order_by([item])
    assert fragment in str(info.value)
    assert info.value.field == "order_by"
    assert str(info.value).startswith("Invalid order_by: ")


# ---------------------------------------------------------------------------------------------
# page tokens
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [0, 1, 100, 10**12])
def test_page_token_round_trip(offset: int) -> None:
    token = encode_page_token(offset)
    assert token.isascii() and "/" not in token and "+" not in token
    assert decode_page_token(token) == offset


@pytest.mark.parametrize("token", [None, ""])
def test_no_page_token_is_the_first_page(token: str | None) -> None:
    assert decode_page_token(token) == 0


BAD_TOKENS = [
    "not a token!",
    "abc",  # bad base64 padding
    "bm90IGpzb24=",  # base64 of "not json"
    "WzFd",  # base64 of "[1]"
    "eyJvZmZzZXQiOiAtMX0=",  # {"offset": -1}
    "eyJvZmZzZXQiOiAiMSJ9",  # {"offset": "1"}
    "eyJvZmZzZXQiOiB0cnVlfQ==",  # {"offset": true}
    "eyJwYWdlIjogMX0=",  # {"page": 1}
    "//79",  # bytes that are not UTF-8
    "é",
    "eyJvZmZzZXQiOjF9" * 20,  # far too long to be ours
]


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_bad_page_token(token: str) -> None:
    with pytest.raises(InvalidFilter) as info:
        decode_page_token(token)
    assert "Invalid page token" in str(info.value)
    assert info.value.field == "page_token"


@pytest.mark.parametrize("offset", [-1, True, 1.5])
def test_encode_page_token_rejects_non_offsets(offset: object) -> None:
    with pytest.raises(ValueError):
        encode_page_token(offset)  # type: ignore[arg-type]
