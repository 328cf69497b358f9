"""Inviting people to a shop, accepting, changing roles and removing members."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from tenants import services, signed_links
from tenants.config import settings_from
from tenants.db import db, new_id, utcnow
from tenants.jobs import enqueue_after_commit, task
from tenants.members.models import Invitation
from tenants.models import Shop, ShopMembership, ShopRole, User
from tenants.providers import build_message, mail_provider
from tenants.scoping import get_for_shop

INVITATION_MAX_AGE = timedelta(days=7)


def members(shop_id: uuid.UUID) -> list[ShopMembership]:
    return list(
        db.session.scalars(
            select(ShopMembership)
            .where(ShopMembership.shop_id == shop_id)
            .order_by(ShopMembership.created_at)
        )
    )


def open_invitations(shop_id: uuid.UUID) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.shop_id == shop_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at)
        )
    )


def invite(shop: Shop, *, email: str, role: ShopRole, actor: User, ip: str | None) -> Invitation:
    """Invite someone by e-mail; the link is mailed after the transaction commits."""
    email = services.normalise_email(email)
    if len(email) > 254 or not services.EMAIL_RE.match(email):
        raise services.ValidationFailed("email", gettext("Enter a valid e-mail address."))
    user = services.find_user(email)
    if user is not None and user.is_staff:
        raise services.ValidationFailed("email", gettext("Staff accounts cannot join a shop."))
    if any(m.user.email == email for m in members(shop.id)):
        raise services.ValidationFailed("email", gettext("This person is already a member."))
    if any(i.email == email for i in open_invitations(shop.id)):
        raise services.ValidationFailed("email", gettext("This address is already invited."))
    invitation = Invitation(
        id=new_id(), shop_id=shop.id, email=email, role=role.value, invited_by=actor.id
    )
    db.session.add(invitation)
    services.audit(
        "member.invited", actor=actor, shop_id=shop.id, target=email, ip=ip, detail={"role": role}
    )
    enqueue_after_commit(send_invitation_mail, shop_id=shop.id, invitation_id=str(invitation.id))
    return invitation


def invitation_token(invitation: Invitation) -> str:
    return signed_links.make(
        "shop-invitation", {"s": str(invitation.shop_id), "i": str(invitation.id)}
    )


def read_token(token: str) -> tuple[uuid.UUID, uuid.UUID] | str:
    """The (shop id, invitation id) a link names, or why it cannot be used."""
    data = signed_links.read("shop-invitation", token, INVITATION_MAX_AGE)
    if isinstance(data, str):
        return data
    try:
        return uuid.UUID(str(data["s"])), uuid.UUID(str(data["i"]))
    except (KeyError, ValueError):
        return "invalid"


@task
def send_invitation_mail(*, shop_id: uuid.UUID, invitation_id: str) -> None:
    invitation = get_for_shop(Invitation, shop_id, invitation_id)
    if not invitation.open:
        return
    shop = db.session.get(Shop, shop_id)
    inviter = db.session.get(User, invitation.invited_by) if invitation.invited_by else None
    settings = settings_from(current_app.config)
    link = f"{settings.public_base_url}/invitations/{invitation_token(invitation)}"
    with force_locale("ja"):
        subject = gettext("Invitation to %(shop)s", shop=shop.name if shop else "")
        body = gettext(
            "%(inviter)s invites you to manage %(shop)s on our answering service.\n\n"
            "Open this link within 7 days to accept:\n\n%(link)s\n",
            inviter=inviter.display_name if inviter else "",
            shop=shop.name if shop else "",
            link=link,
        )
    mail_provider(settings.mail_url, current_app.instance_path).send(
        build_message(settings.mail_from, invitation.email, subject, body)
    )


def accept(invitation: Invitation, user: User, *, ip: str | None) -> ShopMembership:
    """The invited person (by e-mail) joins the shop with the invited role."""
    if not invitation.open:
        raise services.ValidationFailed("invitation", gettext("This invitation is no longer open."))
    if user.email != invitation.email:
        raise services.ValidationFailed(
            "invitation", gettext("This invitation is for %(email)s.", email=invitation.email)
        )
    existing = db.session.scalar(
        select(ShopMembership).where(
            ShopMembership.shop_id == invitation.shop_id, ShopMembership.user_id == user.id
        )
    )
    invitation.accepted_at = utcnow()
    if existing is not None:
        return existing
    shop = db.session.get(Shop, invitation.shop_id)
    if shop is None:
        raise NotFound()
    membership = services.add_member(shop, user, ShopRole(invitation.role))
    services.audit(
        "member.joined",
        actor=user,
        shop_id=shop.id,
        target=user.email,
        ip=ip,
        detail={"role": invitation.role},
    )
    return membership


def revoke(shop: Shop, invitation_id: Any, *, actor: User, ip: str | None) -> None:
    invitation = get_for_shop(Invitation, shop.id, invitation_id)
    if invitation.open:
        invitation.revoked_at = utcnow()
        services.audit(
            "member.invitation_revoked",
            actor=actor,
            shop_id=shop.id,
            target=invitation.email,
            ip=ip,
        )


def _owners(shop_id: uuid.UUID) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(ShopMembership)
            .where(ShopMembership.shop_id == shop_id, ShopMembership.role == ShopRole.OWNER)
        )
        or 0
    )


def change_role(
    shop: Shop, membership_id: Any, role: ShopRole, *, actor: User, ip: str | None
) -> ShopMembership:
    membership = get_for_shop(ShopMembership, shop.id, membership_id)
    if membership.role == ShopRole.OWNER and role != ShopRole.OWNER and _owners(shop.id) == 1:
        raise services.ValidationFailed("role", gettext("A shop keeps at least one owner."))
    before = membership.role
    membership.role = role.value
    services.audit(
        "role.change",
        actor=actor,
        shop_id=shop.id,
        target=membership.user.email,
        ip=ip,
        detail={"from": before, "to": role},
    )
    return membership


def remove(shop: Shop, membership_id: Any, *, actor: User, ip: str | None) -> None:
    membership = get_for_shop(ShopMembership, shop.id, membership_id)
    if membership.role == ShopRole.OWNER and _owners(shop.id) == 1:
        raise services.ValidationFailed("role", gettext("A shop keeps at least one owner."))
    services.audit(
        "member.removed", actor=actor, shop_id=shop.id, target=membership.user.email, ip=ip
    )
    db.session.delete(membership)
