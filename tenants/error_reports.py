"""Optional error reporting to Sentry (or any server speaking its protocol), set by `SENTRY_DSN`.

Unhandled exceptions in requests and jobs are sent with the request id; personal data is not: no
cookies, no form bodies, no user e-mail (callers' numbers and messages stay with us)."""

from __future__ import annotations

from typing import Any

import sentry_sdk
from flask import Flask, g, has_request_context
from sentry_sdk.integrations.flask import FlaskIntegration

from tenants.config import settings_from


def _scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    request = event.get("request") or {}
    for key in ("cookies", "data", "headers", "query_string"):
        request.pop(key, None)
    if has_request_context() and "request_id" in g:
        event.setdefault("tags", {})["request_id"] = g.request_id
    return event


def init_app(app: Flask) -> None:
    dsn = settings_from(app.config).sentry_dsn
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration()],
        before_send=_scrub,  # type: ignore[arg-type]
        traces_sample_rate=0.0,
        include_local_variables=False,  # frames' variables hold callers' numbers and messages
        environment="testing" if app.testing else "production",
    )
