"""Small helpers every web page uses: the client's address, safe redirects, keeping a failure's writes."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import g, request
from flask_limiter import Limiter


def client_ip() -> str:
    # Behind a proxy, ProxyFix (configured by deployment) has already put the client in remote_addr.
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=client_ip)


def safe_next(target: str | None) -> str | None:
    """A redirect target only when it stays on this site: a path, never `//host`, a URL, or a
    path with control characters (browsers drop a tab, turning `/\t/host` into `//host`)."""
    if not target or not target.startswith("/") or "\\" in target:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


def keep_changes() -> None:
    """Commit this request's writes although it answers with an error (a counted failed login)."""
    g.keep_changes = True
