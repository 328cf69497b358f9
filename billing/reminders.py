"""A failed payment: the owner is mailed on day 0, 3 and 7 with the link to change the card.

`reminders_sent` is the state flag: a reminder is due when the days since the first failure reach
the next step, and counting it up and queueing the mail happen in one transaction (the outbox), so
the hourly job and the collection job never mail the same step twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from billing.models import Invoice
from tenants.config import settings_from
from tenants.db import db, utcnow
from tenants.jobs import enqueue_after_commit, task
from tenants.models import Shop, ShopMembership, ShopRole, User
from tenants.providers import build_message, mail_provider
from tenants.scoping import get_for_shop

REMINDER_DAYS = (0, 3, 7)


def queue_due(invoice: Invoice, now: datetime | None = None) -> bool:
    """Queue the reminder that is due for this invoice, if one is; True when queued."""
    if invoice.status != "open" or invoice.payment_failed_at is None:
        return False
    step = invoice.reminders_sent or 0
    if step >= len(REMINDER_DAYS):
        return False
    if (now or utcnow()) - invoice.payment_failed_at < timedelta(days=REMINDER_DAYS[step]):
        return False
    invoice.reminders_sent = step + 1
    enqueue_after_commit(
        mail_reminder,
        shop_id=invoice.shop_id,
        key=f"payment-reminder:{invoice.shop_id}:{invoice.id}:{step}",
        invoice_id=str(invoice.id),
        day=REMINDER_DAYS[step],
    )
    return True


def queue_all_due(now: datetime | None = None) -> int:
    """Every open invoice whose payment failed and whose next reminder is due (system scope)."""
    candidates = db.session.scalars(
        select(Invoice).where(
            Invoice.status == "open",
            Invoice.payment_failed_at.is_not(None),
            Invoice.reminders_sent < len(REMINDER_DAYS),
        )
    )
    return sum(queue_due(invoice, now) for invoice in candidates)


def owners(shop_id: uuid.UUID) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(ShopMembership, ShopMembership.user_id == User.id)
            .where(
                ShopMembership.shop_id == shop_id,
                ShopMembership.role == ShopRole.OWNER,
                User.is_active.is_(True),
            )
        )
    )


@task
def mail_reminder(*, shop_id: uuid.UUID, invoice_id: str, day: int) -> None:
    """Tell each owner the payment failed, how much is due, and where to change the card."""
    invoice = get_for_shop(Invoice, shop_id, invoice_id)
    if invoice.status != "open":
        return  # paid in the meantime
    shop = db.session.get_one(Shop, shop_id)
    settings = settings_from(current_app.config)
    link = f"{settings.public_base_url}/shops/{shop.slug}/billing/portal"
    for owner in owners(shop_id):
        with force_locale(owner.locale):
            subject = gettext(
                "Payment failed: invoice %(number)s (%(amount)s)",
                number=invoice.number,
                amount=f"¥{invoice.total:,}",
            )
            body = gettext(
                "%(name)s,\n\nWe could not charge your card for invoice %(number)s of "
                "%(amount)s.%(again)s\n\nPlease change your card or payment method here (on "
                "Stripe's page); the invoice is then charged again:\n\n%(link)s\n\nUnpaid invoices lead to the service being "
                "suspended 30 days after they are issued.\n",
                name=owner.display_name,
                number=invoice.number,
                amount=f"¥{invoice.total:,}",
                again=gettext(" (reminder, day %(day)d)", day=day) if day else "",
                link=link,
            )
        message = build_message(settings.mail_from, owner.email, subject, body)
        mail_provider(settings.mail_url, current_app.instance_path).send(message)
