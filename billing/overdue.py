"""Shops with an invoice unpaid 30 days after issue: listed for admins, who tell the owner, then may
suspend the shop (calls then hear the suspended shop's polite message)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from billing.models import Invoice
from billing.reminders import owners
from tenants.config import settings_from
from tenants.db import db, utcnow
from tenants.jobs import enqueue_after_commit, task
from tenants.models import Shop, User
from tenants.providers import build_message, mail_provider
from tenants.services import ValidationFailed, audit

OVERDUE_AFTER = timedelta(days=30)
#: The suspension reason of a shop suspended here (`billing.reactivation` lifts only this one).
NON_PAYMENT = "non_payment"


@dataclass(frozen=True)
class Overdue:
    shop: Shop
    invoices: list[Invoice]

    @property
    def amount(self) -> int:
        return sum(i.total for i in self.invoices)

    @property
    def noticed(self) -> bool:
        return all(i.suspension_notice_at is not None for i in self.invoices)


def due_on(issued_on: date) -> date:
    """An invoice's payment due date (お支払期限): the last day before it counts as overdue, which
    it does 30 days after its issue (`overdue_shops`)."""
    return issued_on + OVERDUE_AFTER - timedelta(days=1)


def overdue_shops(today: date) -> list[Overdue]:
    """Shops with open invoices issued more than 30 days ago, oldest debt first (system scope)."""
    rows = db.session.execute(
        select(Shop, Invoice)
        .join(Invoice, Invoice.shop_id == Shop.id)
        .where(Invoice.status == "open", Invoice.issued_on <= today - OVERDUE_AFTER)  # past due_on
        .order_by(Invoice.issued_on, Shop.slug)
    ).all()
    found: dict[uuid.UUID, Overdue] = {}
    for shop, invoice in rows:
        found.setdefault(shop.id, Overdue(shop, [])).invoices.append(invoice)
    return list(found.values())


def _overdue_of(shop: Shop, today: date) -> Overdue:
    for entry in overdue_shops(today):
        if entry.shop.id == shop.id:
            return entry
    raise ValidationFailed("shop", gettext("This shop has no invoice unpaid for 30 days."))


def send_notice(shop: Shop, today: date, *, actor: User, ip: str | None) -> None:
    """Tell the owners the shop will be suspended unless they pay (the step before suspending)."""
    entry = _overdue_of(shop, today)
    for invoice in entry.invoices:
        invoice.suspension_notice_at = invoice.suspension_notice_at or utcnow()
    enqueue_after_commit(mail_suspension_notice, shop_id=shop.id, amount=entry.amount)
    audit("billing.suspension_notice", actor=actor, shop_id=shop.id, target=shop.slug, ip=ip)


def suspend(shop: Shop, today: date, *, actor: User, ip: str | None) -> None:
    """Suspend an overdue shop whose owners were told; calls then hear the suspended message."""
    entry = _overdue_of(shop, today)
    if not entry.noticed:
        raise ValidationFailed("shop", gettext("Tell the owner first: send the notice."))
    if shop.status != "active":
        raise ValidationFailed("shop", gettext("Only an active shop can be suspended."))
    shop.status, shop.suspension_reason = "suspended", NON_PAYMENT
    audit(
        "billing.suspended",
        actor=actor,
        shop_id=shop.id,
        target=shop.slug,
        ip=ip,
        detail={"unpaid_yen": entry.amount, "reason": NON_PAYMENT},
    )


@task
def mail_suspension_notice(*, shop_id: uuid.UUID, amount: int) -> None:
    shop = db.session.get_one(Shop, shop_id)
    settings = settings_from(current_app.config)
    link = f"{settings.public_base_url}/shops/{shop.slug}/billing/portal"
    for owner in owners(shop_id):
        with force_locale(owner.locale):
            subject = gettext("%(shop)s: unpaid invoices, service to be suspended", shop=shop.name)
            body = gettext(
                "%(name)s,\n\n%(amount)s is unpaid for more than 30 days. Unless it is paid, "
                "we will suspend answering calls for %(shop)s; callers will then hear that the "
                "shop is not available.\n\nPay by changing your card or payment method here; once "
                "the invoices are paid, a suspended service resumes by itself:\n\n%(link)s\n",
                name=owner.display_name,
                amount=f"¥{amount:,}",
                shop=shop.name,
                link=link,
            )
        message = build_message(settings.mail_from, owner.email, subject, body)
        mail_provider(settings.mail_url, current_app.instance_path).send(message)
