"""Rate limits for the carrier's webhooks, the busiest requests of the service.

They count in Flask-Limiter's own store (Redis in production, shared by every process), per
endpoint and client address, like every other limit of the site; what they leave out is
Flask-Limiter's per-request machinery (resolving, filtering and re-checking limits, and the
rate-limit headers after the answer), which cost a carrier webhook a fifth of its time. The
carrier reads none of those headers; it retries a 429 as it retries a 503.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from functools import cache, wraps
from typing import ParamSpec, TypeVar

from flask import current_app, request
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from tenants.web import client_ip, limiter

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def webhook_limited(limit: Callable[[], str]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Refuse with 429 what passes `limit()` (e.g. "100 per second") for this endpoint and
    client; a store that does not answer lets the request through, as the site's limits do."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def limited(*args: P.args, **kwargs: P.kwargs) -> R:
            if limiter.enabled:
                _check(limit())
            return view(*args, **kwargs)

        limited.webhook_limited = True  # type: ignore[attr-defined]
        return limited

    return decorate


@limiter.request_filter
def _counted_here() -> bool:
    """Flask-Limiter leaves these views alone from its first step (an exempt view would still go
    through its resolving): they are counted here."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "webhook_limited", False) is True


def _check(limit: str) -> None:
    key = ("webhook", request.endpoint or "", client_ip())
    strategy = limiter.limiter
    try:
        for item in _parsed(limit):
            if not strategy.hit(item, *key):
                reset_at = strategy.get_window_stats(item, *key).reset_time
                raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))
    except TooManyRequests:
        raise
    except Exception:  # the store is down: let the carrier in rather than lose its calls
        log.warning("webhook rate limit store unavailable; request let through", exc_info=True)


@cache
def _parsed(limit: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limit))
