"""Credit notes: tax on the credited amount once, never more than the invoice, a qualified return
invoice (返還インボイス) from ¥10,000, pushed once to Stripe's invoice."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from billing import credit_notes
from billing.invoicing import Item
from billing.models import CreditNote, CreditNoteRate, Invoice
from billing.runs import write_invoice
from billing.stripe_local.server import LocalStripe
from tenants.coverage.services import today_in_tokyo
from tenants.db import db
from tenants.models import Shop, StaffRole
from tenants.scoping import SYSTEM, set_scope
from tests.billing.support import REGISTRATION, add_rate_card, last_month, old_shop
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


def two_rate_invoice(app: Flask) -> tuple[FlaskClient, Invoice]:
    """alpha's invoice with ¥30,000 at 10 % and ¥5,005 of goods at the reduced 8 %."""
    add_rate_card(app)
    shop = old_shop(app, "alpha")
    with system(app) as session:
        row = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        write_invoice(
            row,
            last_month(),
            today_in_tokyo(),
            [Item("minimum", 31, 30000, 10), Item("goods", 1, 5005, 8)],
        )
    owner = app.test_client()
    log_in(owner, shop["email"], PASSWORD)
    invoice = our_invoice(app)
    assert (invoice.subtotal, invoice.tax, invoice.total) == (35005, 3000 + 400, 38405)
    return owner, invoice


def credit_rates(client: FlaskClient, invoice: Invoice, reason: str, **amounts: str) -> str:
    response = client.post(
        f"{STAFF_PAGE}/{invoice.shop_id}/{invoice.id}/credit",
        data={"reason": reason, "csrf_token": csrf_token(client, STAFF_PAGE), **amounts},
        follow_redirects=True,
    )
    return response.get_data(as_text=True)


def test_a_credit_on_two_tax_rates_is_taxed_and_printed_per_rate(app: Flask) -> None:
    owner, invoice = two_rate_invoice(app)
    staff = admin(app)
    form = staff.get(f"{STAFF_PAGE}?period={invoice.period}").get_data(as_text=True)
    assert 'name="amount_10"' in form
    assert 'name="amount_8"' in form
    page = credit_rates(staff, invoice, "障害と誤配送の返金", amount_10="10,005", amount_8="1255")
    assert "を発行しました" in page
    (note,) = notes(app)
    # Per rate, rounded down once: 10 % of 10,005 = 1,000; 8 % of 1,255 = 100 (not 10 % of all).
    with system(app) as session:
        rates = session.execute(
            select(CreditNoteRate.rate_percent, CreditNoteRate.amount, CreditNoteRate.tax).order_by(
                CreditNoteRate.rate_percent.desc()
            )
        ).all()
    assert [tuple(r) for r in rates] == [(10, 10005, 1000), (8, 1255, 100)]
    assert (note.amount, note.tax, note.total) == (11260, 1100, 12360)
    assert note.is_return_invoice
    html = owner.get(f"/shops/alpha/billing/credit-notes/{note.id}").get_data(as_text=True)
    assert "適格返還請求書" in html
    assert "8%※" in html
    pdf = owner.get(f"/shops/alpha/billing/credit-notes/{note.id}/pdf")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    for expected in (
        "適格返還請求書",
        REGISTRATION,
        "10%対象の返還額\n¥10,005",
        "返還消費税額（10%）\n¥1,000",
        "8%対象の返還額\n¥1,255",
        "返還消費税額（8%）\n¥100",
        "¥12,360",
    ):
        assert expected in text, (expected, text)
    invoice_pdf = owner.get(f"/shops/alpha/billing/invoices/{invoice.id}/pdf")
    invoice_text = PdfReader(io.BytesIO(invoice_pdf.data)).pages[0].extract_text()
    assert "8%対象（※軽減税率対象）\n¥5,005" in invoice_text
    assert "消費税（8%）\n¥400" in invoice_text


def test_no_rate_is_credited_beyond_what_the_invoice_has_left_at_it(app: Flask) -> None:
    _, invoice = two_rate_invoice(app)
    staff = admin(app)
    assert "8%対象は、税抜の円で0〜5,005円" in credit_rates(
        staff, invoice, "多すぎる", amount_10="100", amount_8="5006"
    )
    assert "10%対象は、税抜の円で0〜30,000円" in credit_rates(
        staff, invoice, "多すぎる", amount_10="30001"
    )
    assert "10%対象は" in credit_rates(staff, invoice, "文字", amount_10="abc", amount_8="1")
    assert "少なくとも1つの税率" in credit_rates(staff, invoice, "空", amount_10="", amount_8="0")
    assert notes(app) == []
    credit_rates(staff, invoice, "8%の大半", amount_8="5000")
    assert "8%対象は、税抜の円で0〜5円" in credit_rates(staff, invoice, "残り超え", amount_8="6")
    credit_rates(staff, invoice, "8%の残り", amount_8="5", amount_10="30000")
    assert len(notes(app)) == 2
    assert "8%対象は、税抜の円で0〜0円" in credit_rates(staff, invoice, "もう無い", amount_8="1")
    assert len(notes(app)) == 2
