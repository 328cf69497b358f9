"""Rate card, monthly amounts, qualified invoices and payment through Stripe."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from billing import (  # noqa: F401 - collection, stripe_events and tasks register jobs
        admin_views,
        cli,
        collection,
        credit_views,
        dashboard,
        export,
        overdue_views,
        stripe_events,
        stripe_views,
        tasks,
        views,
    )
    from tenants.api import api
    from tenants.request_cycle import csrf
    from tenants.signals import shop_dashboard, shop_export

    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(stripe_views.bp)
    app.register_blueprint(overdue_views.bp)
    app.register_blueprint(credit_views.bp)
    csrf.exempt(stripe_views.bp)  # Stripe signs its webhooks instead
    api.register_blueprint(admin_views.api)
    csrf.exempt(admin_views.api)  # bearer tokens only
    shop_dashboard.connect(dashboard.estimate_card, weak=False)
    shop_export.connect(export.add_billing_files, weak=False)
    cli.init_app(app)
