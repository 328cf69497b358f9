"""A failed payment is mailed on day 0, 3 and 7 with the card link; 30 days unpaid, admins tell the
owner and may suspend the shop."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from billing import reminders
from billing.models import Invoice
from billing.stripe_local.server import LocalStripe
from tenants.coverage.services import today_in_tokyo
from tenants.db import db, utcnow
from tenants.models import AuditEvent, Shop, StaffRole
from tenants.scoping import SYSTEM, set_scope
from tests.billing.support import add_rate_card, old_shop
from tests.billing.test_stripe_collection import carded_owner, our_invoice, run_billing
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_staff
from tests.smtp import SmtpStandIn

OVERDUE = "/staff/billing/overdue"


def reminders_at(app: Flask, days: float) -> int:
    with app.app_context():
        set_scope(db.session, SYSTEM)
        queued = reminders.queue_all_due(utcnow() + timedelta(days=days))
        db.session.commit()
        return queued


def test_a_failed_payment_is_mailed_on_day_0_3_and_7(
    stripe_app: Flask, local_stripe: LocalStripe, smtp: SmtpStandIn
) -> None:
    owner = carded_owner(stripe_app, local_stripe, "4000 0000 0000 0002")
    run_billing(stripe_app)
    invoice = our_invoice(stripe_app)
    assert invoice.payment_failed_at is not None
    (first,) = smtp.messages
    assert first["To"] == "owner@alpha.example.jp"
    assert "お支払いエラー" in first["Subject"]
    assert "¥33,000" in first["Subject"]
    assert "http://localhost/shops/alpha/billing/" in first.get_content()
    assert [reminders_at(stripe_app, d) for d in (1, 3, 3.5, 7, 30)] == [0, 1, 0, 1, 0]
    assert len(smtp.messages) == 3
    assert "7日目" in smtp.messages[-1].get_content()
    page = owner.get("/shops/alpha/billing/").get_data(as_text=True)
    assert "のカード決済ができませんでした" in page


def test_no_reminder_once_the_invoice_is_paid(app: Flask, smtp: SmtpStandIn) -> None:
    add_rate_card(app)
    old_shop(app, "alpha")
    run_billing(app)
    with system(app) as session:
        session.execute(update(Invoice).values(status="paid", payment_failed_at=utcnow()))
    assert reminders_at(app, 3) == 0
    assert smtp.messages == []


def overdue_shop(app: Flask) -> None:
    add_rate_card(app)
    old_shop(app, "alpha")
    old_shop(app, "beta")
    run_billing(app)
    with system(app) as session:
        session.execute(
            update(Invoice)
            .where(Invoice.number.endswith("-alpha"))
            .values(issued_on=today_in_tokyo() - timedelta(days=31))
        )


def test_admins_tell_the_owner_then_suspend_an_overdue_shop(app: Flask, smtp: SmtpStandIn) -> None:
    overdue_shop(app)
    admin = app.test_client()
    log_in(admin, make_staff(app, StaffRole.ADMIN)["email"], PASSWORD)
    page = admin.get(OVERDUE).get_data(as_text=True)
    assert "alpha shop" in page
    assert "beta shop" not in page  # issued today: not overdue
    assert "¥33,000" in page
    token = csrf_token(admin, OVERDUE)
    refused = admin.post(
        f"{OVERDUE}/alpha/suspend", data={"csrf_token": token}, follow_redirects=True
    )
    assert "先にオーナーへ停止予告" in refused.get_data(as_text=True)
    admin.post(f"{OVERDUE}/alpha/notice", data={"csrf_token": token})
    (notice,) = smtp.messages
    assert notice["To"] == "owner@alpha.example.jp"
    assert "サービス停止" in notice["Subject"]
    admin.post(f"{OVERDUE}/alpha/suspend", data={"csrf_token": token})
    with system(app) as session:
        statuses = dict(session.execute(select(Shop.slug, Shop.status)).all())
        assert statuses == {"alpha": "suspended", "beta": "active"}
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.at)).all()
        assert actions[-2:] == ["billing.suspension_notice", "billing.suspended"]
    page = admin.get(OVERDUE).get_data(as_text=True)  # the page says why, and that it lifts itself
    assert (
        '<small class="muted" data-testid="suspension-reason">請求書の未払い（入金で自動的に解除）</small>'
        in page
    )
    for path in ("notice", "suspend"):  # beta is not overdue: nothing happens
        admin.post(f"{OVERDUE}/beta/{path}", data={"csrf_token": token})
    with system(app) as session:
        assert session.scalar(select(Shop.status).where(Shop.slug == "beta")) == "active"


def test_only_admins_see_overdue_shops(app: Flask) -> None:
    overdue_shop(app)
    supervisor = app.test_client()
    log_in(supervisor, make_staff(app, StaffRole.SUPERVISOR)["email"], PASSWORD)
    assert supervisor.get(OVERDUE).status_code == 404
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    assert owner.get(OVERDUE).status_code == 404


def test_an_invoice_is_overdue_from_the_day_after_the_due_date_it_prints(app: Flask) -> None:
    """The due date on the invoice is the last day the admins' overdue list leaves it out."""
    add_rate_card(app)
    alpha = old_shop(app, "alpha")
    run_billing(app)
    owner, admin = app.test_client(), app.test_client()
    log_in(owner, alpha["email"], PASSWORD)
    log_in(admin, make_staff(app, StaffRole.ADMIN)["email"], PASSWORD)
    today = today_in_tokyo()
    for issued, due, overdue in (
        (today - timedelta(days=29), today, False),
        (today - timedelta(days=30), today - timedelta(days=1), True),
    ):
        with system(app) as session:
            session.execute(update(Invoice).values(issued_on=issued))
            invoice_id = session.scalars(select(Invoice.id)).one()
        page = owner.get(f"/shops/alpha/billing/invoices/{invoice_id}").get_data(as_text=True)
        assert f"お支払期限：{due.year}年{due.month}月{due.day}日" in page
        assert ("alpha shop" in admin.get(OVERDUE).get_data(as_text=True)) is overdue
