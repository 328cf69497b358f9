"""Report rows as CSV that Excel opens as it is: UTF-8 with a BOM, CRLF line ends, one header row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Response

FIGURES = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "callbacks",
    "answer_rate",
    "service_level",
    "asa_s",
    "aht_s",
)


def _cell(value: Any) -> Any:
    """Text Excel would run as a formula (=, +, -, @ first) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(rows: Iterable[dict[str, Any]], keys: Iterable[str]) -> bytes:
    """The group keys first, then the figures; an empty figure (no calls) is an empty cell."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*keys, *FIGURES], extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def download(rows: list[dict[str, Any]], keys: Iterable[str], name: str) -> Response:
    return Response(
        as_csv(rows, keys),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
