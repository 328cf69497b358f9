"""A shop suspended for non-payment answers again once its overdue invoices are paid.

It happens by itself: when our invoice takes the paid (or void) state from Stripe (the job handling
`invoice.paid`, a collection, or the daily reconciliation), the shop is reactivated if no invoice
unpaid for 30 days is left. The owners are told by e-mail and the audit log keeps it. A shop an
admin suspended for another reason stays suspended: only the reason `non_payment` is lifted here.
"""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from billing.models import Invoice
from billing.overdue import NON_PAYMENT, OVERDUE_AFTER
from billing.reminders import owners
from tenants.config import settings_from
from tenants.coverage.services import today_in_tokyo
from tenants.db import db, new_id
from tenants.jobs import enqueue_after_commit, task
from tenants.models import Shop
from tenants.providers import build_message, mail_provider
from tenants.services import audit

__all__ = ["NON_PAYMENT", "UNPAID", "reactivate_if_settled", "suspended_for_non_payment"]

#: Our invoice statuses that still owe money.
UNPAID = ("open", "uncollectible")


def overdue_left(shop_id: uuid.UUID) -> list[Invoice]:
    """The shop's invoices still unpaid 30 days after they were issued."""
    return list(
        db.session.scalars(
            select(Invoice).where(
                Invoice.shop_id == shop_id,
                Invoice.status.in_(UNPAID),
                Invoice.issued_on <= today_in_tokyo() - OVERDUE_AFTER,
            )
        )
    )


def reactivate_if_settled(shop_id: uuid.UUID) -> bool:
    """Reactivate the shop if it is suspended for non-payment and nothing overdue is left."""
    shop = db.session.get(Shop, shop_id)
    if shop is None or shop.status != "suspended" or shop.suspension_reason != NON_PAYMENT:
        return False
    if overdue_left(shop_id):
        return False
    shop.status, shop.suspension_reason = "active", None
    audit("billing.reactivated", actor=None, shop_id=shop.id, target=shop.slug)
    enqueue_after_commit(
        mail_reactivated, shop_id=shop.id, key=f"billing-reactivated:{shop.id}:{new_id()}"
    )
    return True


def suspended_for_non_payment() -> list[uuid.UUID]:
    """Every shop suspended for non-payment (system scope)."""
    return list(
        db.session.scalars(
            select(Shop.id).where(Shop.status == "suspended", Shop.suspension_reason == NON_PAYMENT)
        )
    )


@task
def mail_reactivated(*, shop_id: uuid.UUID) -> None:
    """Tell each owner the payment arrived and calls are answered again."""
    shop = db.session.get_one(Shop, shop_id)
    if shop.status != "active":
        return  # suspended again in the meantime
    settings = settings_from(current_app.config)
    link = f"{settings.public_base_url}/shops/{shop.slug}/billing/"
    for owner in owners(shop_id):
        with force_locale(owner.locale):
            subject = gettext(
                "%(shop)s: payment received, calls are answered again", shop=shop.name
            )
            body = gettext(
                "%(name)s,\n\nThank you: the overdue invoices of %(shop)s are paid. We have lifted "
                "the suspension and answer your calls again, in the hours you set.\n\nYour "
                "invoices:\n\n%(link)s\n",
                name=owner.display_name,
                shop=shop.name,
                link=link,
            )
        message = build_message(settings.mail_from, owner.email, subject, body)
        mail_provider(settings.mail_url, current_app.instance_path).send(message)
