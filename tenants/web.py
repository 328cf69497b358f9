"""Small helpers every web page uses: the client's address, safe redirects, keeping a failure's writes."""

from __future__ import annotations

from flask import g, request
from flask_limiter import Limiter


def client_ip() -> str:
    # Behind a proxy, ProxyFix (configured by deployment) has already put the client in remote_addr.
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=client_ip)


def safe_next(target: str | None) -> str | None:
    """A redirect target only when it stays on this site (a path, not `//host` or a URL)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def keep_changes() -> None:
    """Commit this request's writes although it answers with an error (a counted failed login)."""
    g.keep_changes = True
