"""Rate card, monthly amounts, qualified invoices and payment through Stripe."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from billing import admin_views, cli, dashboard, tasks, views  # noqa: F401 - tasks register periodic jobs
    from tenants.api import api
    from tenants.request_cycle import csrf
    from tenants.signals import shop_dashboard

    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    api.register_blueprint(admin_views.api)
    csrf.exempt(admin_views.api)  # bearer tokens only
    shop_dashboard.connect(dashboard.estimate_card, weak=False)
    cli.init_app(app)
