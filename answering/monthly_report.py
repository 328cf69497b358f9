"""A shop's month in one page: calls handled and the answer rate (DESIGN.md section 2), calls and
messages after hours, calls on closure days, the most asked questions (what operators filed the
calls as, and the FAQ entries and products they opened from the console's search), the voice-menu
choices, day by day; and the same as a PDF (reportlab, with the built-in Japanese CID font: no font file)."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.sax.saxutils import escape

from flask_babel import gettext
from sqlalchemy import func, select

from answering import faq_hits, messages, reports
from answering.models import Call
from tenants.coverage.services import TOKYO
from tenants.db import db
from tenants.i18n import format_day

AFTER_HOURS = ("after_hours_message", "after_hours")
TOP = 10
FONT = "HeiseiKakuGo-W5"
MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Monthly:
    shop_name: str
    month: date  # its first day
    total: dict[str, Any]
    days: list[dict[str, Any]]
    after_hours_calls: int
    after_hours_messages: int
    closed_calls: int
    questions: list[tuple[str, int]]  # voice-menu choices
    # (what was asked, where it is counted from, calls): filed subjects and FAQ hits together
    most_asked: list[tuple[str, str, int]]

    @property
    def last_day(self) -> date:
        return next_month(self.month) - timedelta(days=1)


def next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def parse_month(text: str | None, today: date) -> date | None:
    """`YYYY-MM` (2000-2200) to the month's first day; None when it is not one."""
    if not text:
        return today.replace(day=1)
    match = MONTH_RE.fullmatch(text)
    if match is None:
        return None
    try:
        first = date(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None
    return first if 2000 <= first.year <= 2200 else None


def monthly(shop_id: uuid.UUID, shop_name: str, first: date, *, sl_threshold_s: int) -> Monthly:
    """The month of one shop (the scope must be this shop or staff)."""
    last = next_month(first) - timedelta(days=1)
    start = datetime.combine(first, time(), TOKYO)
    end = datetime.combine(next_month(first), time(), TOKYO)
    in_month = (Call.shop_id == shop_id, Call.arrived_at >= start, Call.arrived_at < end)
    outcomes = dict(
        db.session.execute(
            select(Call.outcome, func.count()).where(*in_month).group_by(Call.outcome)
        ).all()
    )
    questions = db.session.execute(
        select(Call.menu_choice, func.count().label("n"))
        .where(*in_month, Call.menu_choice.is_not(None))
        .group_by(Call.menu_choice)
        .order_by(func.count().desc(), Call.menu_choice)
        .limit(TOP)
    ).all()
    labels = messages.disposition_labels()
    dispositions = db.session.execute(
        select(Call.disposition, func.count().label("n"))
        .where(*in_month, Call.disposition.is_not(None))
        .group_by(Call.disposition)
        .order_by(func.count().desc(), Call.disposition)
    ).all()
    sources = {
        "filed": gettext("Filed subject"),
        "faq": gettext("FAQ"),
        "product": gettext("Product"),
    }
    asked = [(labels.get(str(key), str(key)), sources["filed"], int(n)) for key, n in dispositions]
    asked += [
        (label, sources[kind], n)
        for kind, label, n in faq_hits.most_opened(shop_id, start, end, TOP)
    ]
    return Monthly(
        shop_name=shop_name,
        month=first,
        total=reports.overall(first, last, shop_id=shop_id, sl_threshold_s=sl_threshold_s),
        days=reports.answer_rate(
            first, last, "day", shop_id=shop_id, sl_threshold_s=sl_threshold_s
        ),
        after_hours_calls=sum(outcomes.get(o, 0) for o in AFTER_HOURS),
        after_hours_messages=outcomes.get("after_hours_message", 0),
        closed_calls=outcomes.get("closed", 0),
        questions=[(str(label), int(n)) for label, n in questions],
        most_asked=sorted(asked, key=lambda row: (-row[2], row[0]))[:TOP],
    )


def _pct(value: float | None) -> str:
    return f"{value * 100:.1f} %" if value is not None else "—"


def _secs(value: float | None) -> str:
    return gettext("%(seconds)d s", seconds=round(value)) if value is not None else "—"


def pdf(report: Monthly, *, short_abandon_s: int, sl_threshold_s: int) -> bytes:
    """The monthly report as an A4 PDF in the reader's language."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=10)
    heading = ParagraphStyle("heading", parent=body, fontSize=15, leading=20, spaceAfter=6)
    subheading = ParagraphStyle("sub", parent=body, fontSize=11, leading=15, spaceBefore=8)
    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT, 8.5),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ]
    )
    t = report.total
    month = gettext("%(year)d/%(month)02d", year=report.month.year, month=report.month.month)
    story: list[Any] = [
        Paragraph(escape(gettext("Monthly report %(month)s — %(shop)s", month=month, shop=report.shop_name)), heading),
        Paragraph(gettext("Calls handled"), subheading),
        Table(
            [
                [gettext("Answered"), gettext("Offered"), gettext("Answer rate"),
                 gettext("Service level"), "ASA", "AHT"],
                [t["answered"], t["offered"], _pct(t["answer_rate"]), _pct(t["service_level"]),
                 _secs(t["asa_s"]), _secs(t["aht_s"])],
                [gettext("Abandoned"), gettext("Short abandons"), gettext("Callbacks"),
                 gettext("After-hours calls"), gettext("After-hours messages"),
                 gettext("Calls while closed")],
                [t["abandoned"], t["short_abandoned"], t["callbacks"], report.after_hours_calls,
                 report.after_hours_messages, report.closed_calls],
            ],
            style=grid,
        ),
        Paragraph(gettext("Most asked questions"), subheading),
    ]  # fmt: skip
    if report.most_asked:
        cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11)
        asked: list[list[Any]] = [
            [gettext("Question or subject"), gettext("Counted from"), gettext("Calls")],
            *([Paragraph(escape(text), cell), source, n] for text, source, n in report.most_asked),
        ]
        story.append(Table(asked, colWidths=[100 * mm, 35 * mm, 25 * mm], style=grid))
    else:
        story.append(Paragraph(gettext("No filed calls or FAQ entries opened this month."), body))
    story.append(Paragraph(gettext("Voice-menu choices"), subheading))
    if report.questions:
        rows = [[gettext("Choice"), gettext("Calls")], *report.questions]
        story.append(Table(rows, colWidths=[110 * mm, 25 * mm], style=grid))
    else:
        story.append(Paragraph(gettext("No voice-menu choices this month."), body))
    story.append(Paragraph(gettext("Day by day"), subheading))
    if report.days:
        rows = [
            [gettext("Day"), gettext("Offered"), gettext("Answered"), gettext("Answer rate"), "ASA"]
        ]
        rows += [
            [
                format_day(d["day"]),
                d["offered"],
                d["answered"],
                _pct(d["answer_rate"]),
                _secs(d["asa_s"]),
            ]
            for d in report.days
        ]
        story.append(Table(rows, repeatRows=1, style=grid))
    else:
        story.append(Paragraph(gettext("No calls in this range."), body))
    story += [Spacer(1, 6 * mm), Paragraph(definitions(short_abandon_s, sl_threshold_s), small)]
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"{report.shop_name} {month}",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    ).build(story)
    return out.getvalue()


def definitions(short_abandon_s: int, sl_threshold_s: int) -> str:
    return str(
        gettext(
            "Offered: calls that reached the operator queue during coverage, without short abandons "
            "(hang-ups within %(short)d s) and callbacks. Answer rate = answered ÷ offered (target "
            "98 %%). Service level = answered within %(sl)d s ÷ offered. ASA: mean wait of answered "
            "calls. AHT: mean talk + hold + after-call work of answered calls. Days in Asia/Tokyo.",
            short=short_abandon_s,
            sl=sl_threshold_s,
        )
    )
