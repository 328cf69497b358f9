"""Inbound fax: the document is fetched only from the carrier's media hosts (no other host, no
redirect, no private address, at most 20 MB, PDF only), stored, and mailed to the shop."""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from answering.models import Fax
from tenants.db import db, new_id
from tenants.jobs import enqueue_after_commit, task
from tenants.models import Shop
from tenants.notifications import services as notifications
from tenants.numbers.services import caller_label
from tenants.providers import build_message, mail_provider
from tenants.scoping import get_for_shop
from tenants.storage import store

MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MEDIA_HOSTS = ("api.twilio.com", "media.twiliocdn.com")


class FetchRefused(Exception):
    """The media URL is not one we fetch from, or its answer is not a fax document."""


class FetchNotYet(Exception):
    """The carrier's media host answered 404, 429 or 5xx: the job fails and the outbox retries."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        raise FetchRefused("redirect refused")


def media_hosts() -> tuple[str, ...]:
    return tuple(current_app.config.get("CARRIER_MEDIA_HOSTS", DEFAULT_MEDIA_HOSTS))


def check_media_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None or "\\" in url:
        raise FetchRefused("user information or backslashes in the address")
    allow_private = bool(current_app.config.get("CARRIER_MEDIA_ALLOW_PRIVATE", False))
    host = f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "")
    if host not in media_hosts():
        raise FetchRefused(f"host {host or '?'} is not a carrier media host")
    if parts.scheme != "https" and not allow_private:
        raise FetchRefused("only https")
    if not allow_private:
        for info in socket.getaddrinfo(parts.hostname or "", parts.port or 443):
            ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if not ip.is_global:
                raise FetchRefused("private address")


def fetch(
    url: str,
    *,
    content_types: tuple[str, ...] = ("application/pdf",),
    headers: dict[str, str] | None = None,
) -> bytes:
    """The bytes at a carrier media URL, refused unless host, type and size are as expected."""
    check_media_url(url)
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - host checked above
    try:
        with opener.open(request, timeout=20) as response:
            kind = response.headers.get_content_type()
            if kind not in content_types:
                label = "a PDF" if content_types == ("application/pdf",) else "a recording"
                raise FetchRefused(f"not {label}: {kind}")
            data: bytes = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        if error.code in (404, 429) or error.code >= 500:
            raise FetchNotYet(f"HTTP {error.code}") from None
        raise FetchRefused(f"HTTP {error.code}") from None
    if len(data) > MAX_BYTES:
        raise FetchRefused("larger than 20 MB")
    return data


def announce(shop: Shop, params: dict[str, str]) -> Fax:
    """Record the fax once (retries of the callback name the same MediaUrl) and fetch it later."""
    media_url = params.get("MediaUrl", "")[:500]
    existing = db.session.scalar(
        select(Fax).where(Fax.shop_id == shop.id, Fax.media_url == media_url)
    )
    if existing is not None:
        return existing
    pages = params.get("NumPages", "")
    fax = Fax(
        id=new_id(),
        shop_id=shop.id,
        media_url=media_url,
        from_number=params.get("From", "")[:32],
        to_number=params.get("To", "")[:32],
        pages=int(pages) if pages.isdigit() else None,
        status="pending",
    )
    db.session.add(fax)
    enqueue_after_commit(store_fax, shop_id=shop.id, fax_id=str(fax.id))
    return fax


@task
def store_fax(*, shop_id: uuid.UUID, fax_id: str) -> None:
    fax = get_for_shop(Fax, shop_id, fax_id)
    if fax.status != "pending":
        return
    try:
        document = fetch(fax.media_url)
    except FetchRefused as refused:
        fax.status, fax.error = "failed", str(refused)[:200]
        return
    key = f"fax/{shop_id}/{fax.id}.pdf"
    store(current_app).put(key, document)
    fax.status, fax.storage_key, fax.size_bytes = "stored", key, len(document)
    _mail(fax, document)


def _mail(fax: Fax, document: bytes) -> None:
    shop = db.session.get(Shop, fax.shop_id)
    if shop is None:
        return
    settings = notifications.settings_for(shop)
    if settings.categories.get("fax") != "instant":
        return
    config = current_app.config["SETTINGS"]
    for email in settings.emails:
        message = build_message(
            config.mail_from,
            email,
            f"【電話代行クラウド】{shop.name} にFAXが届きました",
            f"{caller_label(fax.from_number)} から {fax.pages or '?'} ページのFAXが届きました。",
        )
        message.add_attachment(
            document,
            maintype="application",
            subtype="pdf",
            filename=f"fax-{fax.received_at:%Y%m%d-%H%M}.pdf",
        )
        mail_provider(config.mail_url, current_app.instance_path).send(message)


def faxes(shop_id: uuid.UUID) -> list[Fax]:
    return list(
        db.session.scalars(
            select(Fax).where(Fax.shop_id == shop_id).order_by(Fax.received_at.desc()).limit(200)
        )
    )
