"""Signed webhooks to a shop's server, behind a Protocol (the real sender speaks HTTPS).

Each request carries `X-Answering-Signature: t=<unix time>,v1=<hex>`, where the hex is
HMAC-SHA256 over `"<t>.<body>"` with the shop's signing secret. Receivers recompute it, compare in
constant time and refuse timestamps older than five minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask_babel import gettext

SIGNATURE_HEADER = "X-Answering-Signature"
TOLERANCE_S = 300


class WebhookSender(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST and return the HTTP status; raise OSError when the server cannot be reached."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect answers as its own status; we never follow it elsewhere


class HttpWebhookSender:
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self.opener = urllib.request.build_opener(_NoRedirect)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - checked by check_url
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, now: int | None = None) -> bool:
    """What a receiver does: recompute the signature and refuse stale timestamps."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        stamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or int(time.time())) - stamp) > TOLERANCE_S:
        return False
    return hmac.compare_digest(sign(secret, body, stamp), header)


def check_url(url: str, *, allow_private: bool) -> str:
    """An https address of a public host (http and private hosts only where allowed: tests)."""
    parts = urlsplit(url.strip())
    if (
        parts.scheme not in ({"https", "http"} if allow_private else {"https"})
        or not parts.hostname
    ):
        raise ValueError(gettext("Use an https:// address."))
    if not allow_private:
        try:
            addresses = {
                info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)
            }
        except OSError:
            raise ValueError(gettext("This host name cannot be resolved.")) from None
        for address in addresses:
            ip = ipaddress.ip_address(str(address).split("%")[0])
            if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
                raise ValueError(gettext("This address is not reachable from the internet."))
    return url.strip()


def payload(event_type: str, shop_slug: str, data: dict[str, Any], event_id: str) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "shop": shop_slug,
            "created_at": int(time.time()),
            "data": data,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
