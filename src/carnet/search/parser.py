"""Parse run-search filters and order-by clauses.

The filter grammar is MLflow's ``search_runs`` grammar plus ``OR``, ``NOT`` and parentheses::

    filter      := or_expr
    or_expr     := and_expr ("OR" and_expr)*
    and_expr    := not_expr ("AND" not_expr)*
    not_expr    := "NOT" not_expr | "(" or_expr ")" | comparison
    comparison  := identifier ( ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") value
                              | ["NOT"] ("LIKE" | "ILIKE") string
                              | ["NOT"] "IN" "(" string ("," string)* ")"
                              | "IS" ["NOT"] "NULL" )
    identifier  := entity "." key
    entity      := metrics | metric | params | param | tags | tag
                 | attributes | attribute | attr | run

Keywords are case-insensitive; ``NOT`` binds tighter than ``AND``, which binds tighter than ``OR``.
An unquoted key may hold letters, digits and ``_ - . / :`` (``metrics.val/loss``,
``tags.mlflow.runName``); a key quoted with backticks or double quotes may hold anything
(``metrics.`my metric```, ``params."a.b"``). Strings are single- or double-quoted; inside them a
quote is written doubled (``'it''s'``) or backslash-escaped (``'it\\'s'``), and ``\\\\`` is one
backslash. Any other backslash is kept as written, so LIKE patterns can escape ``%`` and ``_``
(``'50\\%'`` matches the literal ``50%``).

Every error is an :class:`~carnet.exceptions.InvalidFilter` naming the offending token and
what is allowed there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal, NoReturn

from carnet.entities import LifecycleStage, LoggedModelStatus, RunStatus
from carnet.exceptions import InvalidFilter, InvalidValue
from carnet.search.ast import And, Comparison, Entity, Identifier, Node, Not, Operator, Or, OrderKey

__all__ = [
    "ATTRIBUTE_NAMES",
    "ENTITY_PREFIXES",
    "LOGGED_MODEL_ATTRIBUTE_NAMES",
    "parse_filter",
    "parse_logged_model_filter",
    "parse_logged_model_order_by",
    "parse_model_version_filter",
    "parse_model_version_order_by",
    "parse_order_by",
    "parse_registered_model_filter",
    "parse_registered_model_order_by",
]

# ---------------------------------------------------------------------------------------------
# What may be compared with what
# ---------------------------------------------------------------------------------------------

_NUMERIC_OPS: tuple[Operator, ...] = ("=", "!=", "<", "<=", ">", ">=")
_STRING_OPS: tuple[Operator, ...] = ("=", "!=", "LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE", "IN", "NOT IN")
_SET_OPS: tuple[Operator, ...] = ("=", "!=", "IN", "NOT IN")
_NULL_OPS: tuple[Operator, ...] = ("IS NULL", "IS NOT NULL")
_LIKE_OPS: frozenset[Operator] = frozenset({"LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE"})

ValueKind = Literal["float", "int", "string", "status", "stage", "model_status"]


@dataclass(frozen=True)
class _Spec:
    ops: tuple[Operator, ...]
    kind: ValueKind


_METRIC_SPEC = _Spec(_NUMERIC_OPS + _NULL_OPS, "float")
_PARAM_TAG_SPEC = _Spec(_STRING_OPS + _NULL_OPS, "string")
_TEXT_ATTR_SPEC = _Spec(_STRING_OPS + _NULL_OPS, "string")

_ATTRIBUTES: dict[str, _Spec] = {
    # run_id is never empty, so IS NULL would be a trap rather than a feature.
    "run_id": _Spec(_STRING_OPS, "string"),
    "run_name": _TEXT_ATTR_SPEC,
    "status": _Spec(_SET_OPS, "status"),
    "user_id": _TEXT_ATTR_SPEC,
    "artifact_uri": _TEXT_ATTR_SPEC,
    "source_name": _TEXT_ATTR_SPEC,
    "source_type": _TEXT_ATTR_SPEC,
    "git_commit": _TEXT_ATTR_SPEC,
    "parent_run_id": _TEXT_ATTR_SPEC,
    "start_time": _Spec(_NUMERIC_OPS, "int"),
    "end_time": _Spec(_NUMERIC_OPS + _NULL_OPS, "int"),
    "lifecycle_stage": _Spec(_SET_OPS, "stage"),
}

#: The canonical attribute names an :class:`Identifier` with ``entity="attribute"`` can carry.
ATTRIBUTE_NAMES: frozenset[str] = frozenset(_ATTRIBUTES)

# MLflow's older or alternative attribute names.
_ATTRIBUTE_ALIASES = {"run_uuid": "run_id", "created": "start_time"}

# MLflow keeps these as system tags; carnet keeps them as run columns.
_TAG_ALIASES = {
    "mlflow.runName": "run_name",
    "mlflow.user": "user_id",
    "mlflow.parentRunId": "parent_run_id",
    "mlflow.source.name": "source_name",
    "mlflow.source.type": "source_type",
    "mlflow.source.git.commit": "git_commit",
}

#: The prefixes an identifier may start with (``metrics.x``, ``param.x``, ``attr.x``, ...).
ENTITY_PREFIXES: dict[str, Entity] = {
    "metrics": "metric",
    "metric": "metric",
    "params": "param",
    "param": "param",
    "tags": "tag",
    "tag": "tag",
    "attributes": "attribute",
    "attribute": "attribute",
    "attr": "attribute",
    "run": "attribute",
}
_PREFIX_HELP = "metrics., params., tags. or attributes."


@dataclass(frozen=True)
class _Grammar:
    """What one kind of search (runs, logged models) may name."""

    attributes: dict[str, _Spec]
    attribute_aliases: dict[str, str]
    tag_aliases: dict[str, str]
    prefixes: dict[str, Entity]
    prefix_help: str
    aliases_help: str
    # MLflow's logged-model filters name attributes bare (``name = 'm'``); run filters may not.
    bare_attributes: bool


_RUN_GRAMMAR = _Grammar(
    _ATTRIBUTES,
    _ATTRIBUTE_ALIASES,
    _TAG_ALIASES,
    ENTITY_PREFIXES,
    _PREFIX_HELP,
    "(or metric., param., tag., attribute., attr., run.)",
    False,
)

_MODEL_ATTRIBUTES: dict[str, _Spec] = {
    "model_id": _Spec(_STRING_OPS, "string"),
    "name": _Spec(_STRING_OPS, "string"),
    "model_type": _TEXT_ATTR_SPEC,
    "status": _Spec(_SET_OPS, "model_status"),
    "source_run_id": _TEXT_ATTR_SPEC,
    "creation_timestamp": _Spec(_NUMERIC_OPS, "int"),
    "last_updated_timestamp": _Spec(_NUMERIC_OPS, "int"),
}

#: The canonical attribute names of a logged-model search.
LOGGED_MODEL_ATTRIBUTE_NAMES: frozenset[str] = frozenset(_MODEL_ATTRIBUTES)

# Metrics are not linked to logged models (yet), so a logged-model filter cannot name them.
_MODEL_GRAMMAR = _Grammar(
    _MODEL_ATTRIBUTES,
    {
        "creation_time": "creation_timestamp",
        "creation_timestamp_ms": "creation_timestamp",
        "last_updated_time": "last_updated_timestamp",
        "last_updated_timestamp_ms": "last_updated_timestamp",
    },
    {},
    {k: v for k, v in ENTITY_PREFIXES.items() if v != "metric" and k != "run"},
    "params., tags. or attributes. (or a bare attribute such as name)",
    "(or param., tag., attribute., attr.)",
    True,
)

# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------

TokenKind = Literal[
    "word", "string", "dqstring", "backtick", "number", "op", "lparen", "rparen", "comma", "eof"
]


@dataclass(frozen=True)
class _Token:
    kind: TokenKind
    text: str  # as written, for messages
    value: str  # decoded: quotes removed and escapes applied
    pos: int
    end: int


_SYMBOL_OPS: dict[str, Operator] = {
    "!=": "!=",
    "<>": "!=",
    "<=": "<=",
    ">=": ">=",
    "<": "<",
    ">": ">",
    "=": "=",
}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_DIGITS = "0123456789"  # str.isdigit() would also accept '²' and other non-ASCII digits
_QUOTE_KINDS: dict[str, TokenKind] = {"'": "string", '"': "dqstring", "`": "backtick"}


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c in "_-./:"


def _starts_number(text: str, i: int) -> bool:
    c = text[i]
    nxt = text[i + 1 : i + 2]
    if c in _DIGITS:
        return True
    if c in ".+-" and nxt != "" and nxt in _DIGITS:
        return True
    after = text[i + 2 : i + 3]
    return c in "+-" and nxt == "." and after != "" and after in _DIGITS


class _Lexer:
    def __init__(self, text: str, fail: _Fail) -> None:
        self.text = text
        self.fail = fail

    def tokens(self) -> list[_Token]:
        text, out, i = self.text, [], 0
        while i < len(text):
            c = text[i]
            if c.isspace():
                i += 1
            elif c in _QUOTE_KINDS:
                value, end = self._quoted(i)
                out.append(_Token(_QUOTE_KINDS[c], text[i:end], value, i, end))
                i = end
            elif c in "(),":
                kind: TokenKind = "lparen" if c == "(" else "rparen" if c == ")" else "comma"
                out.append(_Token(kind, c, c, i, i + 1))
                i += 1
            elif c in "<>=!":
                two = text[i : i + 2]
                sym = two if two in _SYMBOL_OPS else c
                if sym not in _SYMBOL_OPS:
                    self.fail(f"Unexpected character {c!r} at position {i}; did you mean '!='?")
                out.append(_Token("op", sym, sym, i, i + len(sym)))
                i += len(sym)
            elif _starts_number(text, i):
                end = i + 1
                while end < len(text) and _is_word_char(text[end]):
                    end += 1
                raw = text[i:end]
                if not _NUMBER.fullmatch(raw):
                    self.fail(f"Invalid number {raw!r} at position {i}")
                out.append(_Token("number", raw, raw, i, end))
                i = end
            elif _is_word_char(c):
                end = i + 1
                while end < len(text) and _is_word_char(text[end]):
                    end += 1
                out.append(_Token("word", text[i:end], text[i:end], i, end))
                i = end
            else:
                self.fail(f"Unexpected character {c!r} at position {i}")
        out.append(_Token("eof", "", "", len(text), len(text)))
        return out

    def _quoted(self, start: int) -> tuple[str, int]:
        """Decode the quoted token at ``start``; return its value and the index after it."""
        text, quote = self.text, self.text[start]
        chars: list[str] = []
        i = start + 1
        while i < len(text):
            c = text[i]
            # Only \<quote> and \\ are escapes: other backslashes stay, for LIKE's \% and \_.
            if c == "\\" and i + 1 < len(text) and text[i + 1] in (quote, "\\"):
                chars.append(text[i + 1])
                i += 2
            elif c == quote:
                if text[i + 1 : i + 2] == quote:  # a doubled quote stands for one
                    chars.append(quote)
                    i += 2
                else:
                    return "".join(chars), i + 1
            else:
                chars.append(c)
                i += 1
        snippet = text[start : start + 20]
        self.fail(f"Unterminated string {snippet!r}... starting at position {start}; close it with {quote}")


class _Fail:
    """Raises the one error type, prefixed with which clause was being parsed."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __call__(self, message: str) -> NoReturn:
        raise InvalidFilter(f"Invalid {self.field}: {message}", field=self.field)


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------

#: How deeply parentheses and NOT may nest in one filter.
MAX_NESTING = 50

_KEYWORD_OPS: dict[str, Operator] = {
    "LIKE": "LIKE",
    "ILIKE": "ILIKE",
    "IN": "IN",
    "NOT LIKE": "NOT LIKE",
    "NOT ILIKE": "NOT ILIKE",
    "NOT IN": "NOT IN",
}
_OPERATOR_HELP = "=, !=, <, <=, >, >=, LIKE, ILIKE, NOT LIKE, NOT ILIKE, IN, NOT IN, IS NULL, IS NOT NULL"


@dataclass(frozen=True)
class _Raw:
    """A literal before it is checked against what it is compared with."""

    kind: Literal["string", "number"]
    value: str
    token: _Token


class _Parser:
    def __init__(self, text: str, field: str, grammar: _Grammar = _RUN_GRAMMAR) -> None:
        self.text = text
        self.grammar = grammar
        self.fail = _Fail(field)
        self.tokens = _Lexer(text, self.fail).tokens()
        self.i = 0
        self.depth = 0
        self.end_name = "the end of the filter" if field == "filter" else f"the end of the {field} clause"

    # -- token helpers ------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        tok = self.peek()
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def at_word(self, word: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok.kind == "word" and tok.value.upper() == word

    def describe(self, tok: _Token) -> str:
        return self.end_name if tok.kind == "eof" else f"{tok.text!r} at position {tok.pos}"

    # -- filter -------------------------------------------------------------------------------

    def filter(self) -> Node:
        node = self.or_expr()
        tok = self.peek()
        if tok.kind == "rparen":
            self.fail(f"Unbalanced ')' at position {tok.pos}: no '(' is open")
        if tok.kind != "eof":
            self.fail(f"Unexpected {self.describe(tok)}; expected AND, OR or {self.end_name}")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.at_word("OR"):
            self.advance()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.at_word("AND"):
            self.advance()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Node:
        tok = self.peek()
        if self.at_word("NOT") or tok.kind == "lparen":
            # Bound the recursion so a hostile filter is a clear 400, not a RecursionError.
            self.depth += 1
            if self.depth > MAX_NESTING:
                self.fail(
                    f"Too deeply nested at position {tok.pos}: at most {MAX_NESTING} levels of ( and NOT"
                )
            try:
                return self.negation_or_group(tok)
            finally:
                self.depth -= 1
        return self.comparison(self.identifier(allow_bare=self.grammar.bare_attributes))

    def negation_or_group(self, tok: _Token) -> Node:
        """``NOT not_expr`` or ``( or_expr )``, starting at ``tok``."""
        self.advance()
        if tok.kind != "lparen":
            return Not(self.not_expr())
        node = self.or_expr()
        close = self.peek()
        if close.kind != "rparen":
            self.fail(
                f"Unbalanced '(' at position {tok.pos}: expected ')', AND or OR, got {self.describe(close)}"
            )
        self.advance()
        return node

    def comparison(self, ident: tuple[Identifier, str]) -> Comparison:
        tok = self.peek()
        op: Operator
        value: _Raw | tuple[_Raw, ...] | None = None
        if tok.kind == "op":
            self.advance()
            op = _SYMBOL_OPS[tok.value]
            value = self.scalar()
        elif self.at_word("IS"):
            self.advance()
            negated = self.at_word("NOT")
            if negated:
                self.advance()
            if not self.at_word("NULL"):
                self.fail(f"Expected NULL or NOT NULL after IS, got {self.describe(self.peek())}")
            self.advance()
            op = "IS NOT NULL" if negated else "IS NULL"
        elif tok.kind == "word" and tok.value.upper() in ("LIKE", "ILIKE", "IN", "NOT"):
            words = tok.value.upper()
            self.advance()
            if words == "NOT":
                nxt = self.peek()
                if not (nxt.kind == "word" and nxt.value.upper() in ("LIKE", "ILIKE", "IN")):
                    self.fail(f"Expected LIKE, ILIKE or IN after NOT, got {self.describe(nxt)}")
                words = f"NOT {nxt.value.upper()}"
                self.advance()
            op = _KEYWORD_OPS[words]
            value = self.value_list() if op in ("IN", "NOT IN") else self.scalar()
        else:
            self.fail(f"Expected an operator after {ident[1]} ({_OPERATOR_HELP}), got {self.describe(tok)}")
        return _check(ident[0], ident[1], op, value, self.fail, self.grammar)

    def scalar(self) -> _Raw:
        tok = self.advance()
        if tok.kind in ("string", "dqstring"):
            return _Raw("string", tok.value, tok)
        if tok.kind == "number":
            return _Raw("number", tok.value, tok)
        if tok.kind == "word" and tok.value.upper() == "NULL":
            self.fail(f"Compare with NULL using IS NULL or IS NOT NULL (at position {tok.pos})")
        hint = f"; quote strings, e.g. '{tok.text}'" if tok.kind == "word" else ""
        self.fail(f"Expected a value (a quoted string or a number), got {self.describe(tok)}{hint}")

    def value_list(self) -> tuple[_Raw, ...]:
        tok = self.advance()
        if tok.kind != "lparen":
            self.fail(f"Expected '(' and a list of values after IN, got {self.describe(tok)}")
        if self.peek().kind == "rparen":
            self.fail(f"IN needs at least one value (empty list at position {tok.pos})")
        items = [self.scalar()]
        while self.peek().kind == "comma":
            self.advance()
            items.append(self.scalar())
        close = self.advance()
        if close.kind != "rparen":
            self.fail(f"Expected ',' or ')' in the IN list, got {self.describe(close)}")
        return tuple(items)

    # -- identifiers --------------------------------------------------------------------------

    def identifier(self, *, allow_bare: bool) -> tuple[Identifier, str]:
        """Parse an identifier; return it and a display form such as ``metric 'loss'``."""
        tok = self.advance()
        if tok.kind != "word":
            self.fail(
                f"Expected an identifier such as metrics.loss, params.alpha, tags.team or "
                f"attributes.status, got {self.describe(tok)}"
            )
        grammar = self.grammar
        prefix, dot, key = tok.value.partition(".")
        if not dot:
            if allow_bare:
                return _attribute(tok.value, tok.value, self.fail, grammar)
            if tok.value.upper() in ("AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL"):
                self.fail(f"Expected a condition, got the keyword {self.describe(tok)}")
            known = tok.value.lower() in grammar.attributes or tok.value.lower() in grammar.attribute_aliases
            example = f"attributes.{tok.text}" if known else f"metrics.{tok.text}"
            self.fail(
                f"Identifier {tok.text!r} at position {tok.pos} needs an entity prefix: "
                f"{grammar.prefix_help} (e.g. {example})"
            )
        entity = grammar.prefixes.get(prefix.lower())
        if entity is None:
            self.fail(
                f"Unknown entity {prefix!r} in {tok.text!r} at position {tok.pos}; "
                f"use {grammar.prefix_help} {grammar.aliases_help}"
            )
        if not key:
            quoted = self.peek()
            # A quoted key must touch the dot: `metrics. "x"` is more likely a typo than intent.
            if quoted.kind in ("dqstring", "backtick") and quoted.pos == tok.end:
                self.advance()
                key = quoted.value
            else:
                self.fail(
                    f"Missing key after {tok.text!r} at position {tok.pos}; "
                    f"write e.g. {tok.text}loss or {tok.text}`my key`"
                )
            if not key.strip():
                self.fail(f"Empty key after {tok.text!r} at position {tok.pos}")
        if entity == "attribute":
            return _attribute(key, tok.text, self.fail, grammar)
        if entity == "tag" and key in grammar.tag_aliases:
            name = grammar.tag_aliases[key]
            return Identifier("attribute", name), f"attribute {name!r} (tags.{key})"
        return Identifier(entity, key), f"{entity} {key!r}"


def _attribute(name: str, written: str, fail: _Fail, grammar: _Grammar) -> tuple[Identifier, str]:
    canonical = grammar.attribute_aliases.get(name.lower(), name.lower())
    if canonical not in grammar.attributes:
        valid = ", ".join(sorted([*grammar.attributes, *grammar.attribute_aliases]))
        fail(f"Unknown attribute {name!r} (in {written!r}); valid attributes are: {valid}")
    return Identifier("attribute", canonical), f"attribute {canonical!r}"


def _spec(ident: Identifier, grammar: _Grammar) -> _Spec:
    if ident.entity == "metric":
        return _METRIC_SPEC
    if ident.entity == "attribute":
        return grammar.attributes[ident.key]
    return _PARAM_TAG_SPEC


def _check(
    ident: Identifier,
    label: str,
    op: Operator,
    raw: _Raw | tuple[_Raw, ...] | None,
    fail: _Fail,
    grammar: _Grammar,
) -> Comparison:
    """Check that ``op`` and the literal suit ``ident``; convert the literal to its AST type."""
    spec = _spec(ident, grammar)
    if op not in spec.ops:
        fail(f"Operator {op} is not allowed for {label}; use one of {', '.join(spec.ops)}")
    if raw is None:
        return Comparison(ident, op, None)
    if isinstance(raw, tuple):
        return Comparison(ident, op, tuple(_as_text(spec.kind, item, label, fail) for item in raw))
    if spec.kind == "float":
        return Comparison(ident, op, _as_float(raw, label, fail))
    if spec.kind == "int":
        return Comparison(ident, op, _as_millis(raw, label, fail))
    text = _as_text(spec.kind, raw, label, fail)
    if op in _LIKE_OPS:
        _check_like_pattern(text, raw, fail)
    return Comparison(ident, op, text)


def _as_float(raw: _Raw, label: str, fail: _Fail) -> float:
    if raw.kind != "number":
        fail(f"Expected a numeric value for {label}, got {raw.token.text} at position {raw.token.pos}")
    return float(raw.value)


def _as_millis(raw: _Raw, label: str, fail: _Fail) -> int:
    if raw.kind != "number":
        fail(
            f"Expected a number (milliseconds since the epoch) for {label}, "
            f"got {raw.token.text} at position {raw.token.pos}"
        )
    try:
        exact = Decimal(raw.value)  # Decimal keeps 1.7e12 exact where float() could round
    except InvalidOperation:  # pragma: no cover - the lexer only lets numbers through
        fail(f"Invalid number {raw.value!r}")
    if exact != exact.to_integral_value():
        fail(f"Expected a whole number of milliseconds for {label}, got {raw.value}")
    return int(exact)


def _as_text(kind: ValueKind, raw: _Raw, label: str, fail: _Fail) -> str:
    if raw.kind != "string":
        fail(
            f"Expected a string value for {label}, got {raw.value} at position {raw.token.pos}; "
            f"quote it: '{raw.value}'"
        )
    if kind == "status":
        try:
            return RunStatus.parse(raw.value).value
        except InvalidValue:
            names = ", ".join(s.value for s in RunStatus)
            fail(
                f"Unknown run status {raw.value!r} for {label}; use one of {names} "
                "(or MLflow's RUNNING, SCHEDULED, FINISHED, FAILED, KILLED)"
            )
    if kind == "model_status":
        try:
            return LoggedModelStatus.parse(raw.value).value
        except InvalidValue:
            names = ", ".join(s.value for s in LoggedModelStatus)
            fail(f"Unknown logged model status {raw.value!r} for {label}; use one of {names}")
    if kind == "stage":
        stages = [s.value for s in LifecycleStage]
        if raw.value.lower() not in stages:
            fail(f"Unknown lifecycle stage {raw.value!r} for {label}; use one of {', '.join(stages)}")
        return raw.value.lower()
    return raw.value


def _check_like_pattern(pattern: str, raw: _Raw, fail: _Fail) -> None:
    # Patterns are compiled with ESCAPE '\'; PostgreSQL rejects a pattern ending in a lone escape.
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            if i + 1 == len(pattern):
                fail(
                    f"LIKE pattern {raw.token.text} at position {raw.token.pos} ends with a backslash, "
                    "which escapes nothing; in a pattern a backslash escapes the next character, "
                    "so a literal backslash is written as two"
                )
            i += 2
        else:
            i += 1


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------


def parse_filter(text: str | None) -> Node | None:
    """Parse a search filter; ``None`` for an empty or blank filter (which matches every run).

    Raises :class:`InvalidFilter` (``field="filter"``) for bad syntax or a comparison that
    makes no sense (a string for a metric, a number for a param, an unknown attribute, ...).
    """
    if text is None or not text.strip():
        return None
    return _Parser(text, "filter").filter()


def parse_order_by(items: list[str] | None) -> list[OrderKey]:
    """Parse order-by clauses such as ``metrics.rmse DESC``, ``params.alpha``, ``start_time asc``.

    Each item is one identifier (same syntax as in filters; a bare attribute name such as
    ``start_time`` is allowed too) optionally followed by ``ASC`` (the default) or ``DESC``.
    Raises :class:`InvalidFilter` (``field="order_by"``).
    """
    return _order_by(items, _RUN_GRAMMAR)


def parse_logged_model_filter(text: str | None) -> Node | None:
    """Parse a logged-model search filter: attributes (``name``, ``model_id``, ``model_type``,
    ``status``, ``source_run_id``, ``creation_timestamp``, ``last_updated_timestamp``), bare or
    with ``attributes.``, and ``params.`` / ``tags.``; ``None`` for an empty filter."""
    if text is None or not text.strip():
        return None
    return _Parser(text, "filter", _MODEL_GRAMMAR).filter()


def parse_logged_model_order_by(items: list[str] | None) -> list[OrderKey]:
    """Parse logged-model order-by clauses such as ``creation_timestamp DESC`` or ``name``."""
    return _order_by(items, _MODEL_GRAMMAR)


def _order_by(items: list[str] | None, grammar: _Grammar) -> list[OrderKey]:
    keys: list[OrderKey] = []
    for item in items or []:
        parser = _Parser(item, "order_by", grammar)
        if parser.peek().kind == "eof":
            parser.fail("Empty clause; expected an identifier such as metrics.loss DESC")
        ident, _ = parser.identifier(allow_bare=True)
        ascending = True
        if parser.at_word("ASC") or parser.at_word("DESC"):
            ascending = parser.advance().value.upper() == "ASC"
        tok = parser.peek()
        if tok.kind != "eof":
            parser.fail(
                f"Unexpected {parser.describe(tok)} in {item!r}; an order_by clause is one identifier "
                "optionally followed by ASC or DESC"
            )
        keys.append(OrderKey(ident, ascending))
    return keys


# ---------------------------------------------------------------------------------------------
# Model registry: registered models and model versions
# ---------------------------------------------------------------------------------------------

_TIMESTAMP_ALIASES = {
    "timestamp": "creation_timestamp",
    "creation_time": "creation_timestamp",
    "last_updated_time": "last_updated_timestamp",
}
_REGISTRY_PREFIXES: dict[str, Entity] = {
    k: v for k, v in ENTITY_PREFIXES.items() if v in ("tag", "attribute") and k != "run"
}

_REGISTERED_MODEL_ATTRIBUTES: dict[str, _Spec] = {
    "name": _Spec(_STRING_OPS, "string"),
    "description": _TEXT_ATTR_SPEC,
    "creation_timestamp": _Spec(_NUMERIC_OPS, "int"),
    "last_updated_timestamp": _Spec(_NUMERIC_OPS, "int"),
}

_REGISTERED_MODEL_GRAMMAR = _Grammar(
    _REGISTERED_MODEL_ATTRIBUTES,
    _TIMESTAMP_ALIASES,
    {},
    _REGISTRY_PREFIXES,
    "tags. or attributes. (or a bare attribute such as name)",
    "(or tag., attribute., attr.)",
    True,
)

_MODEL_VERSION_ATTRIBUTES: dict[str, _Spec] = {
    "name": _Spec(_STRING_OPS, "string"),
    "version_number": _Spec(_NUMERIC_OPS, "int"),
    "run_id": _TEXT_ATTR_SPEC,
    "model_id": _TEXT_ATTR_SPEC,
    "source_path": _Spec(_STRING_OPS, "string"),
    "current_stage": _Spec(_STRING_OPS, "string"),
    "user_id": _TEXT_ATTR_SPEC,
    "description": _TEXT_ATTR_SPEC,
    "creation_timestamp": _Spec(_NUMERIC_OPS, "int"),
    "last_updated_timestamp": _Spec(_NUMERIC_OPS, "int"),
}

_MODEL_VERSION_GRAMMAR = _Grammar(
    _MODEL_VERSION_ATTRIBUTES,
    {**_TIMESTAMP_ALIASES, "version": "version_number", "source": "source_path", "stage": "current_stage"},
    {},
    _REGISTRY_PREFIXES,
    "tags. or attributes. (or a bare attribute such as name or run_id)",
    "(or tag., attribute., attr.)",
    True,
)


def parse_registered_model_filter(text: str | None) -> Node | None:
    """Parse a registered-model filter: ``name``, ``description``, ``creation_timestamp``,
    ``last_updated_timestamp`` (bare or with ``attributes.``) and ``tags.`` / ``tag.``."""
    if text is None or not text.strip():
        return None
    return _Parser(text, "filter", _REGISTERED_MODEL_GRAMMAR).filter()


def parse_registered_model_order_by(items: list[str] | None) -> list[OrderKey]:
    return _order_by(items, _REGISTERED_MODEL_GRAMMAR)


def parse_model_version_filter(text: str | None) -> Node | None:
    """Parse a model-version filter: ``name``, ``version_number``, ``run_id``, ``model_id``,
    ``source_path``, ``current_stage``, ``user_id``, ``description``, the timestamps and ``tags.``."""
    if text is None or not text.strip():
        return None
    return _Parser(text, "filter", _MODEL_VERSION_GRAMMAR).filter()


def parse_model_version_order_by(items: list[str] | None) -> list[OrderKey]:
    return _order_by(items, _MODEL_VERSION_GRAMMAR)
