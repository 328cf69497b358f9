"""The owner's billing page, the invoices as qualified invoices (page and PDF), the live estimate."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from billing import collection, credit_notes, labels, services
from billing.invoice_pdf import credit_document, credit_note_pdf, invoice_document, invoice_pdf
from billing.models import CreditNote, Invoice
from billing.pricing import MonthlyAmount, days_of, next_month
from billing.providers import PortalUnavailable, provider
from tenants.auth import login_required, shop_of_account
from tenants.config import settings_from
from tenants.coverage import services as coverage
from tenants.db import db
from tenants.scoping import get_for_shop
from tenants.services import ValidationFailed

log = logging.getLogger(__name__)
bp = Blueprint("billing", __name__, template_folder="templates")


def as_json(amount: MonthlyAmount) -> dict[str, Any]:
    return {
        "year": amount.year,
        "month": amount.month,
        "minutes": amount.minutes,
        "band_yen": amount.band_yen,
        "coverage_yen": amount.coverage_yen,
        "minimum_yen": amount.minimum_yen,
        "minimum_applies": amount.minimum_applies,
        "number_yen": amount.number_yen,
        "subtotal": amount.subtotal,
        "tax": amount.tax,
        "total": amount.total,
    }


@bp.post("/shops/<slug>/billing/estimate")
@login_required
def estimate(slug: str) -> Response | tuple[Response, int]:
    """This month's and next month's amount if the submitted (unsaved) hours were saved."""
    membership = shop_of_account(slug)
    form = request.form
    effective = None
    if form.get("effective_from"):
        try:
            effective = date.fromisoformat(form["effective_from"])
        except ValueError:
            return jsonify(error="effective_from", message="Enter a date."), 422
    given = coverage.WeekInput(
        {d: form.get(f"day_{d}", "")[:200] for d in range(7)},
        form.get("holiday_mode", "as_weekday"),
        form.get("holiday_bands", "")[:200],
        effective,
    )
    try:
        hours = coverage.coverage_with_draft(membership.shop_id, given)
    except ValidationFailed as failure:
        return jsonify(error=failure.field, message=failure.message), 422
    return jsonify(months=[as_json(a) for a in services.estimate(membership.shop, hours)])


@bp.get("/shops/<slug>/billing/")
@login_required
def page(slug: str) -> str:
    """This month's running amount and every invoice with its status (owners only)."""
    membership = shop_of_account(slug, owner=True)
    today = coverage.today_in_tokyo()
    bill = services.month_bill(membership.shop, today.year, today.month)
    invoiced_on = date(*next_month(today.year, today.month), 1)  # billed in arrears on the 1st
    invoices = db.session.scalars(
        select(Invoice).where(Invoice.shop_id == membership.shop_id).order_by(Invoice.period.desc())
    ).all()
    return render_template(
        "billing/billing.html",
        shop=membership.shop,
        membership=membership,
        bill=bill,
        month_days=len(days_of(today.year, today.month)),
        invoiced_on=invoiced_on,
        invoices=invoices,
        labels=labels,
        payments=provider() is not None,
        customer=collection.customer_of(membership.shop_id),
        card_returned=request.args.get("card") == "saved",
        notes=credit_notes.notes_of(membership.shop_id),
    )


@bp.post("/shops/<slug>/billing/card")
@login_required
def save_card(slug: str) -> Response:
    """Send the owner to Stripe's Checkout page (setup mode): the card is typed there, not here."""
    membership = shop_of_account(slug, owner=True)
    gateway = provider()
    if gateway is None:
        raise NotFound()
    customer = collection.ensure_customer(membership.shop, gateway)
    base = settings_from(current_app.config).public_base_url
    page = base + url_for("billing.page", slug=membership.shop.slug)
    url = gateway.setup_checkout_url(
        customer_id=customer.customer_id,
        success_url=f"{page}?card=saved",
        cancel_url=page,
        shop_id=str(membership.shop_id),
    )
    return redirect(url, 303)


@bp.get("/shops/<slug>/billing/portal")
@login_required
def portal_page(slug: str) -> str | Response:
    """Where the e-mails' "change your card" link lands: one button to Stripe's customer portal."""
    membership = shop_of_account(slug, owner=True)
    if provider() is None:  # payments are not taken through Stripe here: the billing page
        return redirect(url_for("billing.page", slug=membership.shop.slug))
    return render_template(
        "billing/portal.html",
        shop=membership.shop,
        membership=membership,
        customer=collection.customer_of(membership.shop_id),
    )


@bp.post("/shops/<slug>/billing/portal")
@login_required
def portal(slug: str) -> Response:
    """Send the owner to Stripe's customer portal to change the card or payment method."""
    membership = shop_of_account(slug, owner=True)
    gateway = provider()
    if gateway is None:
        raise NotFound()
    customer = collection.ensure_customer(membership.shop, gateway)
    page = url_for("billing.page", slug=membership.shop.slug)
    try:
        url = gateway.portal_url(
            customer_id=customer.customer_id,
            return_url=settings_from(current_app.config).public_base_url + page,
            locale="en" if getattr(get_locale(), "language", "ja") == "en" else "ja",
        )
    except PortalUnavailable as error:
        log.error("customer portal refused for %s: %s", membership.shop.slug, error)
        flash(
            gettext(
                "Stripe's page for changing the card cannot be opened now. Please try again later."
            ),
            "error",
        )
        return redirect(page, 303)
    return redirect(url, 303)


@bp.get("/shops/<slug>/billing/invoices/<invoice_id>")
@login_required
def invoice(slug: str, invoice_id: str) -> str:
    """One invoice as a qualified invoice (適格請求書), printable."""
    membership = shop_of_account(slug, owner=True)
    row = get_for_shop(Invoice, membership.shop_id, invoice_id)
    return render_template(
        "billing/document.html",
        shop=membership.shop,
        membership=membership,
        doc=invoice_document(row, membership.shop),
        status=labels.status_label(row.status),
        pdf_url=url_for("billing.invoice_download", slug=slug, invoice_id=row.id),
    )


@bp.get("/shops/<slug>/billing/invoices/<invoice_id>/pdf")
@login_required
def invoice_download(slug: str, invoice_id: str) -> Response:
    """The same invoice as a PDF to keep (the qualified invoice the shop files)."""
    membership = shop_of_account(slug, owner=True)
    row = get_for_shop(Invoice, membership.shop_id, invoice_id)
    response = Response(invoice_pdf(row, membership.shop), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="invoice-{row.number}.pdf"'
    return response


@bp.get("/shops/<slug>/billing/credit-notes/<note_id>")
@login_required
def credit_note(slug: str, note_id: str) -> str:
    """A credit note; from ¥10,000 a qualified return invoice (返還インボイス)."""
    membership = shop_of_account(slug, owner=True)
    note = get_for_shop(CreditNote, membership.shop_id, note_id)
    invoice = get_for_shop(Invoice, membership.shop_id, note.invoice_id)
    return render_template(
        "billing/document.html",
        shop=membership.shop,
        membership=membership,
        doc=credit_document(note, invoice, membership.shop),
        status=None,
        pdf_url=url_for("billing.credit_note_download", slug=slug, note_id=note.id),
    )


@bp.get("/shops/<slug>/billing/credit-notes/<note_id>/pdf")
@login_required
def credit_note_download(slug: str, note_id: str) -> Response:
    membership = shop_of_account(slug, owner=True)
    note = get_for_shop(CreditNote, membership.shop_id, note_id)
    invoice = get_for_shop(Invoice, membership.shop_id, note.invoice_id)
    response = Response(credit_note_pdf(note, invoice, membership.shop), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="credit-{note.number}.pdf"'
    return response
