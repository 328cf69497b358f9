"""Rate card, monthly amounts, qualified invoices and payment through Stripe."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from billing import views

    app.register_blueprint(views.bp)
