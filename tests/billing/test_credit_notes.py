"""Credit notes: tax on the credited amount once, never more than the invoice, a qualified return
invoice (返還インボイス) from ¥10,000, pushed once to Stripe's invoice."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from billing import credit_notes
from billing.models import CreditNote, Invoice
from billing.stripe_local.server import LocalStripe
from tenants.db import db
from tenants.models import StaffRole
from tenants.scoping import SYSTEM, set_scope
from tests.billing.support import REGISTRATION, add_rate_card, old_shop
from tests.billing.test_stripe_collection import carded_owner, our_invoice, run_billing
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_staff

STAFF_PAGE = "/staff/billing/invoices"


def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, make_staff(app, StaffRole.ADMIN)["email"], PASSWORD)
    return client


def credit(client: FlaskClient, invoice: Invoice, amount: str, reason: str) -> str:
    response = client.post(
        f"{STAFF_PAGE}/{invoice.shop_id}/{invoice.id}/credit",
        data={"amount": amount, "reason": reason, "csrf_token": csrf_token(client, STAFF_PAGE)},
        follow_redirects=True,
    )
    return response.get_data(as_text=True)


def billed(app: Flask) -> tuple[FlaskClient, Invoice]:
    add_rate_card(app)
    shop = old_shop(app, "alpha")
    run_billing(app)
    owner = app.test_client()
    log_in(owner, shop["email"], PASSWORD)
    return owner, our_invoice(app)


def notes(app: Flask) -> list[CreditNote]:
    with system(app) as session:
        rows = list(session.scalars(select(CreditNote).order_by(CreditNote.created_at)))
        session.expunge_all()
        return rows


def test_a_credit_from_10000_yen_is_a_qualified_return_invoice(app: Flask) -> None:
    owner, invoice = billed(app)
    staff = admin(app)
    assert invoice.number in staff.get(STAFF_PAGE).get_data(as_text=True)
    assert "を発行しました" in credit(staff, invoice, "10,000", "10月の障害による返金")
    (note,) = notes(app)
    assert (note.amount, note.tax, note.total) == (10000, 1000, 11000)
    assert note.is_return_invoice
    page = owner.get("/shops/alpha/billing/").get_data(as_text=True)
    assert note.number in page
    html = owner.get(f"/shops/alpha/billing/credit-notes/{note.id}").get_data(as_text=True)
    for expected in ("適格返還請求書", REGISTRATION, "alpha shop 御中", invoice.number, "¥11,000"):
        assert expected in html
    pdf = owner.get(f"/shops/alpha/billing/credit-notes/{note.id}/pdf")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    for expected in (
        "適格返還請求書",
        REGISTRATION,
        "10%対象の返還額",
        "¥10,000",
        "¥1,000",
        "¥11,000",
    ):
        assert expected in text, (expected, text)


def test_a_small_credit_is_a_plain_credit_note(app: Flask) -> None:
    owner, invoice = billed(app)
    credit(admin(app), invoice, "505", "端数調整")
    (note,) = notes(app)
    assert (note.tax, note.total) == (50, 555)  # 10 % of ¥505 rounded down once
    html = owner.get(f"/shops/alpha/billing/credit-notes/{note.id}").get_data(as_text=True)
    assert "返金・値引き明細書" in html
    assert "適格返還請求書" not in html


def test_credits_never_exceed_the_invoice_and_need_a_reason(app: Flask) -> None:
    _, invoice = billed(app)
    staff = admin(app)
    assert "1〜30,000円" in credit(staff, invoice, "30001", "多すぎる")
    assert "理由を200文字以内" in credit(staff, invoice, "100", "   ")
    assert "1〜30,000円" in credit(staff, invoice, "-5", "負の値")
    credit(staff, invoice, "29000", "ほぼ全額")
    assert "1〜1,000円" in credit(staff, invoice, "1001", "残りを超える")
    assert len(notes(app)) == 1


def test_other_shops_cannot_see_a_credit_note(app: Flask) -> None:
    _, invoice = billed(app)
    credit(admin(app), invoice, "10000", "返金")
    (note,) = notes(app)
    beta = old_shop(app, "beta")
    other = app.test_client()
    log_in(other, beta["email"], PASSWORD)
    for url in (
        f"/shops/alpha/billing/credit-notes/{note.id}",
        f"/shops/beta/billing/credit-notes/{note.id}",
        f"/shops/beta/billing/credit-notes/{note.id}/pdf",
    ):
        assert other.get(url).status_code == 404, url


def test_a_credit_on_a_paid_invoice_is_pushed_to_stripe_once(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    carded_owner(stripe_app, local_stripe, "4242 4242 4242 4242")
    run_billing(stripe_app)
    invoice = our_invoice(stripe_app)
    assert invoice.status == "paid"
    credit(admin(stripe_app), invoice, "10000", "返金")
    (note,) = notes(stripe_app)
    (remote,) = local_stripe.store.objects["credit_note"].values()
    assert note.stripe_credit_note_id == remote["id"]
    assert (remote["amount"], remote["invoice"]) == (11000, invoice.stripe_invoice_id)
    with stripe_app.app_context():  # the job again (a retry after a lost commit): nothing new
        set_scope(db.session, SYSTEM)
        db.session.get_one(CreditNote, (note.shop_id, note.id)).stripe_credit_note_id = None
        credit_notes.push_credit_note(shop_id=note.shop_id, note_id=str(note.id))
        db.session.commit()
    assert len(local_stripe.store.objects["credit_note"]) == 1
