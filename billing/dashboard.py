"""Billing's card on the shop dashboard: this month's running amount and the next invoice."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup

from billing import services
from tenants.models import Shop


def estimate_card(sender: Any, *, shop: Shop, **_: Any) -> Markup | None:
    if shop.status in ("pending", "closed"):
        return None
    this_month, next_month = services.estimate(shop)
    # The template escapes every value it prints; its output is trusted markup.
    return Markup(  # noqa: S704
        render_template(
            "billing/dashboard_card.html",
            this_month=this_month,
            next_month=next_month,
        )
    )
