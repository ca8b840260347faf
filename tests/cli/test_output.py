"""The CLI's formatting helpers."""

from __future__ import annotations

import json
import math

import pytest

from carnet.cli import output


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (55.254321, "55.25"),
        (0.000123456, "0.0001235"),
        (1234.5678, "1235"),
        (123456.7, "1.235e+05"),
        (12345.0, "12345"),
        (-3.0, "-3"),
        (0.0, "0"),
        (2e9, "2e+09"),
        (math.nan, "NaN"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
    ],
)
def test_format_number(value: float | None, text: str) -> None:
    assert output.format_number(value) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (None, ""),
        (0, "0ms"),
        (850, "850ms"),
        (12_345, "12.3s"),
        (245_000, "4m 05s"),
        (7_380_000, "2h 03m"),
        (3 * 86_400_000 + 4 * 3_600_000, "3d 04h"),
    ],
)
def test_format_duration(ms: int | None, text: str) -> None:
    assert output.format_duration(ms) == text


def test_json_value_keeps_output_valid_json(capsys: pytest.CaptureFixture[str]) -> None:
    output.print_json({"m": {"nan": math.nan, "up": math.inf, "down": -math.inf, "x": 1.5}, "l": (1, None)})
    assert json.loads(capsys.readouterr().out) == {
        "m": {"nan": "NaN", "up": "Infinity", "down": "-Infinity", "x": 1.5},
        "l": [1, None],
    }


@pytest.mark.parametrize(
    ("size", "text"), [(None, ""), (10, "10 B"), (2048, "2.0 KB"), (5 * 1024**3, "5.0 GB")]
)
def test_format_size(size: int | None, text: str) -> None:
    assert output.format_size(size) == text
