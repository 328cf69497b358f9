"""Admins' list of a month's invoices, with the credit note form on each."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from billing import credit_notes, labels
from billing.models import Invoice
from billing.runs import Period
from tenants.auth import current_account, staff_required
from tenants.coverage.services import today_in_tokyo
from tenants.db import db
from tenants.models import Shop, StaffRole
from tenants.scoping import get_for_shop, parse_id
from tenants.services import ValidationFailed
from tenants.web import client_ip

bp = Blueprint("credits", __name__, template_folder="templates")


@bp.get("/staff/billing/invoices")
@staff_required(StaffRole.ADMIN)
def invoices() -> tuple[str, int]:
    error = None
    try:
        period = Period.parse(request.args.get("period", "")[:20])
    except ValueError:
        if request.args.get("period"):
            error = gettext("Choose a month as YYYY-MM.")
        period = Period.before(today_in_tokyo())
    rows = db.session.execute(
        select(Invoice, Shop.slug)
        .join(Shop, Shop.id == Invoice.shop_id)
        .where(Invoice.period == str(period))
        .order_by(Shop.slug)
    ).all()
    return render_template(
        "billing/staff_invoices.html", period=period, rows=rows, labels=labels, error=error
    ), 400 if error else 200


@bp.post("/staff/billing/invoices/<shop_id>/<invoice_id>/credit")
@staff_required(StaffRole.ADMIN)
def credit(shop_id: str, invoice_id: str) -> Response:
    invoice = get_for_shop(Invoice, parse_id(shop_id), invoice_id)
    try:
        note = credit_notes.issue(
            invoice,
            _amounts(invoice),
            request.form.get("reason", "")[:1000],
            actor=current_account(),
            ip=client_ip(),
        )
    except ValidationFailed as failure:
        flash(failure.message, "error")
    else:
        flash(gettext("Credit note %(number)s issued.", number=note.number), "info")
    return redirect(url_for("credits.invoices", period=invoice.period))


def _amounts(invoice: Invoice) -> dict[int, int | None]:
    """`amount_<rate>` for each rate of the invoice (`amount` alone when it has one rate).

    A blank field credits nothing at that rate; anything but whole yen is None (refused).
    """
    rates = [tax.rate_percent for tax in invoice.taxes]
    amounts: dict[int, int | None] = {}
    for rate in rates:
        raw = request.form.get(f"amount_{rate}", "")
        if len(rates) == 1 and not raw.strip():
            raw = request.form.get("amount", "")
        raw = raw.replace(",", "").replace("¥", "").strip()
        if not raw:
            amounts[rate] = None if len(rates) == 1 else 0
        else:
            amounts[rate] = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    return amounts
