"""Products from a CSV file: Shopify's product export, or our own columns; UTF-8 or Shift_JIS.

Shopify writes one row per variant: the first row of a handle carries the product, later rows add
option values (size, colour) and SKUs. Our own format has one row per product with the columns of
`OWN_COLUMNS` (sizes and colours separated by `/` or `、`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import marshmallow as ma
from flask_babel import gettext

from tenants.scripts.content import Product

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
OWN_COLUMNS = ("name", "reading", "sku", "url", "material", "sizes", "colours", "care", "notes")
SIZE_NAMES = {"size", "サイズ", "sizes"}
COLOUR_NAMES = {"color", "colour", "カラー", "色", "colors", "colours"}


class ImportRefused(ValueError):
    """The whole file cannot be read; the message says why."""


@dataclass
class ImportReport:
    products: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def strip_html(html: str) -> str:
    """Shopify's `Body (HTML)` as plain text: tags dropped, whitespace folded."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise ImportRefused(gettext("The file is larger than 2 MB. Split it and import each part."))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(gettext("The file is neither UTF-8 nor Shift_JIS text."))


def _split(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[/、,，]", value or "") if v.strip()]


def parse_products(raw: bytes) -> ImportReport:
    try:
        return _parse(decode(raw))
    except csv.Error as error:
        raise ImportRefused(
            gettext("The file is not a CSV file we can read: %(error)s", error=str(error))
        ) from None


def _parse(text: str) -> ImportReport:
    reader = csv.DictReader(io.StringIO(text))
    header = {h.strip().lower() for h in (reader.fieldnames or [])}
    if {"handle", "title"} <= header:
        return _shopify(reader)
    if "name" in header:
        return _own(reader)
    raise ImportRefused(
        gettext(
            "The first line must name the columns: Shopify's export (Handle, Title, …) or "
            "name, reading, sku, url, material, sizes, colours, care, notes."
        )
    )


def _accept(report: ImportReport, line: int, candidate: dict[str, Any]) -> None:
    try:
        report.products.append(Product().load(candidate))
    except ma.ValidationError as error:
        fields = ", ".join(sorted(error.messages_dict))
        report.rejected.append((line, gettext("invalid %(fields)s", fields=fields)))


def _rows(reader: csv.DictReader[str]) -> Any:
    for count, row in enumerate(reader, start=1):
        if count > MAX_ROWS:
            raise ImportRefused(gettext("At most %(count)d rows per file.", count=MAX_ROWS))
        # A row longer than the header puts its extra cells under the key None: ignore them.
        cells = {k: v for k, v in row.items() if isinstance(k, str) and isinstance(v, str)}
        yield reader.line_num, {k.strip().lower(): v.strip() for k, v in cells.items()}


def _own(reader: csv.DictReader[str]) -> ImportReport:
    report = ImportReport()
    for line, row in _rows(reader):
        if not any(row.values()):
            continue
        candidate = {key: row.get(key, "") for key in OWN_COLUMNS}
        candidate["sizes"] = _split(candidate["sizes"])
        candidate["colours"] = _split(candidate["colours"])
        _accept(report, line, candidate)
    return report


def _shopify(reader: csv.DictReader[str]) -> ImportReport:
    report = ImportReport()
    products: dict[str, tuple[int, dict[str, Any]]] = {}
    option_names: dict[str, dict[str, str]] = {}  # only a product's first row names its options
    for line, row in _rows(reader):
        handle = row.get("handle", "")
        if not handle:
            report.rejected.append((line, gettext("no Handle")))
            continue
        if handle not in products:
            if not row.get("title"):
                report.rejected.append((line, gettext("the first row of a product has no Title")))
                continue
            products[handle] = (
                line,
                {
                    "name": row["title"],
                    "sku": row.get("variant sku", ""),
                    "url": "",
                    "notes": strip_html(row.get("body (html)", ""))[:2000],
                    "material": "",
                    "sizes": [],
                    "colours": [],
                    "care": "",
                    "reading": "",
                },
            )
        product = products[handle][1]
        names = option_names.setdefault(handle, {})
        for n in ("1", "2", "3"):
            name = (row.get(f"option{n} name", "") or names.get(n, "")).lower()
            names[n] = name
            value = row.get(f"option{n} value", "")
            target = "sizes" if name in SIZE_NAMES else "colours" if name in COLOUR_NAMES else None
            if target and value and value not in product[target]:
                product[target].append(value)
    for line, candidate in products.values():
        _accept(report, line, candidate)
    return report
