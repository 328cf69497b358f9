"""The answer-rate report pages: every shop for supervisors and admins, one shop in its portal.

Each page prints the definitions next to the figures, the range's total against the 98 % target,
two charts (answer rate over time; offered and answered per 30-minute interval) and the table,
with the same rows as a CSV for Excel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from answering import charts, monthly_report, report_csv, reports
from scheduling import queues
from tenants.auth import login_required, shop_of_account, staff_required
from tenants.config import settings_from
from tenants.coverage.services import TOKYO, today_in_tokyo
from tenants.db import db
from tenants.models import Shop, StaffRole

bp = Blueprint("report_pages", __name__, template_folder="templates")

MAX_DAYS = 366


@dataclass(frozen=True)
class Query:
    first: date
    last: date
    group_by: str
    shop: str

    @property
    def first_at(self) -> datetime:
        return datetime.combine(self.first, time(), TOKYO)

    @property
    def last_at(self) -> datetime:
        return datetime.combine(self.last, time(), TOKYO)


def parse(args: MultiDict[str, str], groups: tuple[str, ...]) -> tuple[Query, str | None]:
    """The form's range and grouping; bad input falls back to the last seven days with a message."""
    today = today_in_tokyo()
    fallback = Query(today - timedelta(days=6), today, "day", args.get("shop", "")[:40])
    group_by = args.get("group_by", "day")
    if group_by not in groups:
        return fallback, gettext("Choose how to group the report.")
    try:
        first = date.fromisoformat(args.get("from") or fallback.first.isoformat())
        last = date.fromisoformat(args.get("to") or fallback.last.isoformat())
    except ValueError:
        return fallback, gettext("Dates are written YYYY-MM-DD.")
    if (
        last < first
        or (last - first).days >= MAX_DAYS
        or not 2000 <= first.year <= last.year <= 2200
    ):
        return fallback, gettext("Choose a range of at most 366 days, ending after it starts.")
    return Query(first, last, group_by, fallback.shop), None


def chart_pair(first: date, last: date, shop_id: uuid.UUID | None) -> tuple[Markup, Markup]:
    """Answer rate per day (per interval for one day), and offered/answered per time of day."""
    sl = settings_from(current_app.config).sl_threshold_s
    intervals = reports.answer_rate(first, last, "interval", shop_id=shop_id, sl_threshold_s=sl)
    if first == last:
        line = [(row["interval"][11:16], row["answer_rate"]) for row in intervals]
    else:
        days = reports.answer_rate(first, last, "day", shop_id=shop_id, sl_threshold_s=sl)
        rates = {row["day"]: row["answer_rate"] for row in days}
        every_day = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        line = [(f"{day.month}/{day.day}", rates.get(day.isoformat())) for day in every_day]
    by_slot = {f"{n // 2:02d}:{n % 2 * 30:02d}": [0, 0] for n in range(48)}
    for row in intervals:
        slot = by_slot[datetime.fromisoformat(row["interval"]).strftime("%H:%M")]
        slot[0] += row["offered"]
        slot[1] += row["answered"]
    bars = [charts.Bar(label, *counts) for label, counts in by_slot.items()]
    return (
        charts.answer_rate_line(line, target=reports.TARGET, title=gettext("Answer rate")),
        charts.offered_answered_bars(
            bars, title=gettext("Offered and answered per 30-minute interval")
        ),
    )


def render_report(
    query: Query,
    error: str | None,
    *,
    shop_id: uuid.UUID | None,
    groups: tuple[str, ...],
    template: str,
    **context: Any,
) -> Response | str | tuple[str, int]:
    sl = settings_from(current_app.config).sl_threshold_s
    rows = reports.answer_rate(
        query.first, query.last, query.group_by, shop_id=shop_id, sl_threshold_s=sl
    )
    if request.args.get("format") == "csv" and error is None:
        name = f"answer-rate-{query.first:%Y%m%d}-{query.last:%Y%m%d}-{query.group_by}"
        if query.group_by == "team":  # the queue's name, as on the page (the API keeps the key)
            rows = [{**row, "team": queues.label(row["team"])} for row in rows]
        if query.group_by == "shop":  # the shop's name, as on the page (the API keeps the slug)
            names = context.get("shop_names", {})
            rows = [{**row, "shop": names.get(row["shop"], row["shop"])} for row in rows]
        return report_csv.download(rows, [query.group_by], name)
    line, bars = chart_pair(query.first, query.last, shop_id)
    page = render_template(
        template,
        query=query,
        rows=rows,
        total=reports.overall(query.first, query.last, shop_id=shop_id, sl_threshold_s=sl),
        line=line,
        bars=bars,
        groups=groups,
        error=error,
        target=reports.TARGET,
        settings=settings_from(current_app.config),
        **context,
    )
    return (page, 400) if error else page


@bp.get("/staff/reports/answer-rate")
@staff_required(StaffRole.SUPERVISOR, StaffRole.ADMIN)
def staff_report() -> Response | str | tuple[str, int]:
    """Every shop (or one, `?shop=slug`), grouped as asked; `?format=csv` for the CSV."""
    query, error = parse(request.args, reports.GROUPS)
    shops = db.session.execute(select(Shop.id, Shop.slug, Shop.name).order_by(Shop.slug)).all()
    shop_id = next((s.id for s in shops if s.slug == query.shop), None)
    if query.shop and shop_id is None:
        query, error = Query(query.first, query.last, query.group_by, ""), gettext("No such shop.")
    return render_report(
        query,
        error,
        shop_id=shop_id,
        groups=reports.GROUPS,
        template="answering/answer_rate.html",
        shops=shops,
        shop_names={s.slug: s.name for s in shops},
    )


@bp.get("/shops/<slug>/reports/")
@login_required
def shop_report(slug: str) -> Response | str | tuple[str, int]:
    """The shop's own figures, by day or by interval."""
    membership = shop_of_account(slug)
    query, error = parse(request.args, reports.SHOP_GROUPS)
    return render_report(
        query,
        error,
        shop_id=membership.shop_id,
        groups=reports.SHOP_GROUPS,
        template="answering/shop_report.html",
        shop=membership.shop,
        membership=membership,
    )


@bp.get("/shops/<slug>/reports/monthly")
@login_required
def monthly(slug: str) -> str | tuple[str, int]:
    """The month's report (`?month=YYYY-MM`, this month by default) with its PDF."""
    membership = shop_of_account(slug)
    settings = settings_from(current_app.config)
    today = today_in_tokyo()
    first = monthly_report.parse_month(request.args.get("month"), today)
    error = None
    if first is None:
        first, error = today.replace(day=1), gettext("Choose a month (YYYY-MM).")
    report = monthly_report.monthly(
        membership.shop_id, membership.shop.name, first, sl_threshold_s=settings.sl_threshold_s
    )
    page = render_template(
        "answering/monthly.html",
        shop=membership.shop,
        membership=membership,
        report=report,
        error=error,
        settings=settings,
        target=reports.TARGET,
        months=[_months_ago(today, n) for n in range(12)],
    )
    return (page, 400) if error else page


@bp.get("/shops/<slug>/reports/monthly.pdf")
@login_required
def monthly_pdf(slug: str) -> Response:
    membership = shop_of_account(slug)
    settings = settings_from(current_app.config)
    first = monthly_report.parse_month(request.args.get("month"), today_in_tokyo())
    if first is None:
        abort(400, gettext("Choose a month (YYYY-MM)."))
    report = monthly_report.monthly(
        membership.shop_id, membership.shop.name, first, sl_threshold_s=settings.sl_threshold_s
    )
    document = monthly_report.pdf(
        report, short_abandon_s=settings.short_abandon_s, sl_threshold_s=settings.sl_threshold_s
    )
    return Response(
        document,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="monthly-{membership.shop.slug}-{first:%Y-%m}.pdf"'
            )
        },
    )


def _months_ago(today: date, n: int) -> date:
    first = today.replace(day=1)
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
    return first
