"""Report rows as CSV that Excel opens as it is: UTF-8 with a BOM, CRLF line ends, one header row
named in the reader's language (Japanese unless they chose English)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Response
from flask_babel import lazy_gettext

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
HEADERS = {
    "shop": lazy_gettext("Shop"),
    "team": lazy_gettext("Team"),
    "operator": lazy_gettext("Operator"),
    "day": lazy_gettext("Day"),
    "interval": lazy_gettext("Interval"),
    "offered": lazy_gettext("Offered"),
    "answered": lazy_gettext("Answered"),
    "abandoned": lazy_gettext("Abandoned"),
    "short_abandoned": lazy_gettext("Short abandons"),
    "callbacks": lazy_gettext("Callbacks"),
    "answer_rate": lazy_gettext("Answer rate"),
    "service_level": lazy_gettext("Service level"),
    "asa_s": lazy_gettext("ASA (s)"),
    "aht_s": lazy_gettext("AHT (s)"),
}


def _cell(value: Any) -> Any:
    """Text Excel would run as a formula (=, +, -, @ first) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def header(key: str) -> str:
    """The column's name in the reader's language; a key without one keeps its own name."""
    return str(HEADERS.get(key, key))


def as_csv(rows: Iterable[dict[str, Any]], keys: Iterable[str]) -> bytes:
    """The group keys first, then the figures; an empty figure (no calls) is an empty cell."""
    columns = [*keys, *FIGURES]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header(key) for key in columns])
    writer.writerows([_cell(row.get(key)) for key in columns] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def download(rows: list[dict[str, Any]], keys: Iterable[str], name: str) -> Response:
    return Response(
        as_csv(rows, keys),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
