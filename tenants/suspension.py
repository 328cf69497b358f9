"""Admins suspend a shop (calls then hear the suspended shop's message) and lift it, with a reason.

The reason is kept on the shop: billing lifts a suspension for non-payment by itself once the
overdue invoices are paid, and never one an admin gave another reason for.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString

from tenants.models import Shop, User
from tenants.services import ValidationFailed, audit

#: The reasons an admin may give here ("non_payment" is given by billing's overdue page).
REASONS: dict[str, LazyString] = {
    "terms_violation": lazy_gettext("Breach of the terms of service"),
    "owner_request": lazy_gettext("At the owner's request"),
    "other": lazy_gettext("Other reason"),
}


def reason_label(reason: str | None) -> str:
    """Why a shop is suspended, for staff pages: an admin's reason, or its unpaid invoices."""
    if reason == "non_payment":
        return str(gettext("Unpaid invoices (lifted by itself once paid)"))
    found = REASONS.get(reason or "")
    return str(found) if found is not None else "—"


def suspend(shop: Shop, reason: str, note: str, *, actor: User, ip: str | None) -> None:
    """Suspend an active shop for one of `REASONS`; the note goes to the audit log."""
    if reason not in REASONS:
        raise ValidationFailed("reason", gettext("Choose why the shop is suspended."))
    note = " ".join(note.split())
    if len(note) > 200:
        raise ValidationFailed("note", gettext("Keep the note to 200 characters."))
    if shop.status != "active":
        raise ValidationFailed("shop", gettext("Only an active shop can be suspended."))
    shop.status, shop.suspension_reason = "suspended", reason
    audit(
        "shop.suspended",
        actor=actor,
        shop_id=shop.id,
        target=shop.slug,
        ip=ip,
        detail={"reason": reason, "note": note or None},
    )


def lift(shop: Shop, *, actor: User, ip: str | None) -> None:
    """Lift a suspension, whatever its reason: the shop's calls are answered again."""
    if shop.status != "suspended":
        raise ValidationFailed("shop", gettext("This shop is not suspended."))
    reason, shop.status, shop.suspension_reason = shop.suspension_reason, "active", None
    audit(
        "shop.suspension_lifted",
        actor=actor,
        shop_id=shop.id,
        target=shop.slug,
        ip=ip,
        detail={"reason": reason},
    )
