"""Rate card, monthly amounts, qualified invoices and payment through Stripe. Its pages and
endpoints arrive with the billing issue."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to register yet."""
