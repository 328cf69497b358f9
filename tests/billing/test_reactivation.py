"""A shop suspended for non-payment answers again by itself once its overdue invoices are paid (by
the `invoice.paid` webhook's job, or the daily reconciliation when the webhook is lost); the owner is
mailed and the audit log shows it. A shop suspended for another reason stays suspended."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from billing import tasks
from billing.invoicing import Item
from billing.models import Invoice
from billing.runs import Period, write_invoice
from billing.stripe_local.server import LocalStripe
from tenants.coverage import services as coverage
from tenants.coverage.services import today_in_tokyo
from tenants.models import AuditEvent, Shop, StaffRole
from tenants.numbers import services as numbers
from tests.answering.test_carrier import incoming
from tests.billing.support import last_month
from tests.billing.test_customer_portal import open_portal, portal_add_card
from tests.billing.test_stripe_collection import (
    carded_owner,
    deliver_held,
    our_invoice,
    run_billing,
)
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_staff
from tests.smtp import SmtpStandIn

OVERDUE = "/staff/billing/overdue"
SUSPENDED_MESSAGE = "ただいまお電話でのご案内を休止しております"


def answered_around_the_clock(app: Flask, slug: str = "alpha") -> None:
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == slug)).one()
        number = numbers.add_to_pool("03-4500-0001", kind="phone")
        session.flush()  # the pool number's id, for the rental
        numbers.rent(shop, number.id, actor=None, ip=None)
        days = {d: "00:00-24:00" for d in range(7)}
        coverage.save_version(shop, None, coverage.WeekInput(days, "as_weekday", "", None))


def suspended_for_non_payment(app: Flask, local: LocalStripe) -> tuple[FlaskClient, FlaskClient]:
    """alpha's card declined last month's invoice, 31 days ago; the admin told them and suspended."""
    owner = carded_owner(app, local, "4000 0000 0000 0002")
    run_billing(app)
    deliver_held(local)
    answered_around_the_clock(app)
    with system(app) as session:
        session.execute(update(Invoice).values(issued_on=today_in_tokyo() - timedelta(days=31)))
    admin = app.test_client()
    log_in(admin, make_staff(app, StaffRole.ADMIN)["email"], PASSWORD)
    token = csrf_token(admin, OVERDUE)
    admin.post(f"{OVERDUE}/alpha/notice", data={"csrf_token": token})
    admin.post(f"{OVERDUE}/alpha/suspend", data={"csrf_token": token})
    assert shop_state(app) == ("suspended", "non_payment")
    return owner, admin


def shop_state(app: Flask, slug: str = "alpha") -> tuple[str, str | None]:
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == slug)).one()
        return shop.status, shop.suspension_reason


def test_paying_the_overdue_invoice_reactivates_the_shop(
    stripe_app: Flask, local_stripe: LocalStripe, smtp: SmtpStandIn, client: FlaskClient
) -> None:
    owner, admin = suspended_for_non_payment(stripe_app, local_stripe)
    assert SUSPENDED_MESSAGE in incoming(stripe_app, client, sid="CA1").get_data(as_text=True)
    smtp.messages.clear()
    portal_add_card(open_portal(owner), "4242 4242 4242 4242")
    deliver_held(local_stripe)  # customer.updated → charged → invoice.paid → re-fetched: paid
    assert our_invoice(stripe_app).status == "paid"
    assert shop_state(stripe_app) == ("active", None)
    call = incoming(stripe_app, client, sid="CA2").get_data(as_text=True)
    assert SUSPENDED_MESSAGE not in call
    assert "<Enqueue" in call
    (mail,) = smtp.messages
    assert mail["To"] == "owner@alpha.example.jp"
    assert "電話代行を再開しました" in mail["Subject"]
    assert "http://localhost/shops/alpha/billing/" in mail.get_content()
    audit = admin.get("/staff/audit").get_data(as_text=True)
    assert "billing.reactivated" in audit
    with system(stripe_app) as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.at)).all()
        assert actions[-1] == "billing.reactivated"
        assert actions.count("billing.reactivated") == 1
    for event in local_stripe.events_of("invoice.paid"):  # delivered again: nothing more happens
        assert local_stripe.deliver(event["id"]) == 200
    assert len(smtp.messages) == 1


def test_reconciliation_reactivates_when_the_webhooks_were_lost(
    stripe_app: Flask, local_stripe: LocalStripe, smtp: SmtpStandIn
) -> None:
    suspended_for_non_payment(stripe_app, local_stripe)
    invoice = our_invoice(stripe_app)
    local_stripe.transport = lambda payload, headers: 503  # our endpoint is down: nothing arrives
    paid = local_stripe.store.pay_invoice(  # Stripe's own retry with a card saved elsewhere
        str(invoice.stripe_invoice_id), {"payment_method": _visa(local_stripe, invoice)}
    )
    assert paid["status"] == "paid"
    local_stripe.held.clear()
    assert shop_state(stripe_app) == ("suspended", "non_payment")
    tasks.reconcile_stripe(stripe_app)
    assert our_invoice(stripe_app).status == "paid"
    assert shop_state(stripe_app) == ("active", None)
    assert any("電話代行を再開しました" in m["Subject"] for m in smtp.messages)


def _visa(local: LocalStripe, invoice: Invoice) -> str:
    customer = local.store.objects["invoice"][str(invoice.stripe_invoice_id)]["customer"]
    with local.store.lock:
        return str(local.store.attach_payment_method("pm_card_visa", customer)["id"])


def test_a_shop_suspended_for_another_reason_stays_suspended(
    stripe_app: Flask, local_stripe: LocalStripe, smtp: SmtpStandIn
) -> None:
    owner = carded_owner(stripe_app, local_stripe, "4000 0000 0000 0002")
    run_billing(stripe_app)
    deliver_held(local_stripe)
    with system(stripe_app) as session:
        session.execute(update(Invoice).values(issued_on=today_in_tokyo() - timedelta(days=31)))
    admin = stripe_app.test_client()
    log_in(admin, make_staff(stripe_app, StaffRole.ADMIN)["email"], PASSWORD)
    admin.post(
        "/staff/shops/alpha/suspend",
        data={"reason": "terms_violation", "csrf_token": csrf_token(admin, "/staff/")},
    )
    assert shop_state(stripe_app) == ("suspended", "terms_violation")
    smtp.messages.clear()
    portal_add_card(open_portal(owner), "4242 4242 4242 4242")
    deliver_held(local_stripe)
    tasks.reconcile_stripe(stripe_app)
    assert our_invoice(stripe_app).status == "paid"
    assert shop_state(stripe_app) == ("suspended", "terms_violation")
    assert not any("再開" in m["Subject"] for m in smtp.messages)
    assert "利用規約への違反" in admin.get("/staff/").get_data(as_text=True)


def test_a_shop_stays_suspended_while_another_overdue_invoice_is_unpaid(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    suspended_for_non_payment(stripe_app, local_stripe)
    with system(stripe_app) as session:  # an older invoice, never sent to Stripe, also unpaid
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        write_invoice(
            shop,
            Period(2020, 1),
            today_in_tokyo() - timedelta(days=60),
            [Item("minimum", 31, 30000, 10)],
        )
    invoice = our_invoice(stripe_app, str(last_month()))
    local_stripe.store.pay_invoice(
        str(invoice.stripe_invoice_id), {"payment_method": _visa(local_stripe, invoice)}
    )
    deliver_held(local_stripe)
    tasks.reconcile_stripe(stripe_app)
    with system(stripe_app) as session:
        statuses = dict(session.execute(select(Invoice.period, Invoice.status)).all())
    assert statuses == {str(last_month()): "paid", "2020-01": "open"}
    assert shop_state(stripe_app) == ("suspended", "non_payment")
