"""Rate card, monthly amounts, qualified invoices and payment through Stripe."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from billing import dashboard, views
    from tenants.signals import shop_dashboard

    app.register_blueprint(views.bp)
    shop_dashboard.connect(dashboard.estimate_card, weak=False)
