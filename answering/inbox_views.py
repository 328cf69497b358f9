"""The shop portal's inbox: the list (read/unread, search, filters), each message with reply notes,
and for owners each message's delivery log with a replay button. Another shop's message is 404."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from answering import delivery, inbox
from answering.messages import disposition_labels
from answering.models import Call, Delivery, Message
from tenants.auth import current_account, login_required, shop_of_account
from tenants.db import db, utcnow
from tenants.models import Shop, ShopMembership, ShopRole
from tenants.scoping import get_for_shop
from tenants.scripts import services as scripts
from tenants.services import ValidationFailed, audit
from tenants.web import client_ip

bp = Blueprint("inbox", __name__, url_prefix="/shops/<slug>/messages")

Page = str | Response | tuple[str, int]


def _shop_categories(shop_id: Any) -> dict[str, str]:
    from answering.messages import shop_categories

    published = scripts.latest_version(shop_id)
    return shop_categories(published.content) if published is not None else {}


@bp.get("/")
@login_required
def inbox_page(slug: str) -> str:
    membership = shop_of_account(slug)
    filters, problem = inbox.parse_filters(request.args.to_dict())
    return render_template(
        "answering/inbox.html",
        shop=membership.shop,
        membership=membership,
        messages=inbox.messages(membership.shop_id, filters),
        filters=filters,
        problem=problem,
        dispositions=disposition_labels(),
        categories=_shop_categories(membership.shop_id),
        unread=inbox.unread_count(membership.shop_id),
    )


@bp.get("/<message_id>")
@login_required
def message_page(slug: str, message_id: str) -> str:
    membership = shop_of_account(slug)
    message = get_for_shop(Message, membership.shop_id, message_id)
    if message.read_at is None:
        message.read_at = utcnow()
    return _render_message(membership, message)


def _render_message(membership: ShopMembership, message: Message, error: str | None = None) -> str:
    owner = membership.role == ShopRole.OWNER
    return render_template(
        "answering/message.html",
        shop=membership.shop,
        membership=membership,
        message=message,
        call=db.session.scalar(
            select(Call).where(Call.shop_id == message.shop_id, Call.id == message.call_id)
        ),
        notes=inbox.notes(message),
        deliveries=inbox.deliveries(message) if owner else [],
        owner=owner,
        dispositions=disposition_labels(),
        error=error,
    )


@bp.post("/<message_id>/notes")
@login_required
def add_note(slug: str, message_id: str) -> Page:
    membership = shop_of_account(slug)
    message = get_for_shop(Message, membership.shop_id, message_id)
    try:
        inbox.add_note(message, current_account(), request.form.get("body", ""), utcnow())
    except ValidationFailed as failure:
        return _render_message(membership, message, failure.message), 400
    flash(gettext("Note added."), "info")
    return redirect(url_for("inbox.message_page", slug=slug, message_id=message.id))


@bp.post("/<message_id>/unread")
@login_required
def mark_unread(slug: str, message_id: str) -> Response:
    membership = shop_of_account(slug)
    message = get_for_shop(Message, membership.shop_id, message_id)
    message.read_at = None
    return redirect(url_for("inbox.inbox_page", slug=slug))


@bp.post("/<message_id>/deliveries/<delivery_id>/replay")
@login_required
def replay(slug: str, message_id: str, delivery_id: str) -> Response:
    membership = shop_of_account(slug, owner=True)
    message = get_for_shop(Message, membership.shop_id, message_id)
    found = get_for_shop(Delivery, membership.shop_id, delivery_id)
    if found.message_id != message.id:
        abort(404)
    delivery.replay(membership.shop, found, utcnow())
    audit(
        "message.delivery_replayed",
        actor=current_account(),
        shop_id=membership.shop_id,
        target=f"{found.channel}:{message.id}",
        ip=client_ip(),
    )
    flash(gettext("Sent again. The result appears in the delivery log."), "info")
    return redirect(url_for("inbox.message_page", slug=slug, message_id=message.id))


def inbox_card(sender: Any, *, shop: Shop, **_: Any) -> Markup | None:
    latest = inbox.messages(shop.id, inbox.Filters())[:3]
    # The template escapes every value it prints; its output is trusted markup.
    return Markup(  # noqa: S704
        render_template(
            "answering/inbox_card.html",
            shop=shop,
            latest=latest,
            unread=inbox.unread_count(shop.id),
            dispositions=disposition_labels(),
        )
    )
