"""Links that carry signed, time-limited data: password reset, e-mail check, invitations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # The purpose is the salt: a link made for one purpose never opens another.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def make(purpose: str, data: dict[str, str]) -> str:
    return _serializer(purpose).dumps(data)


def read(purpose: str, token: str, max_age: timedelta) -> dict[str, Any] | str:
    """The data of a valid link, or why not: "expired" or "invalid"."""
    try:
        data = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        return "expired"
    except BadSignature:
        return "invalid"
    return data if isinstance(data, dict) else "invalid"
