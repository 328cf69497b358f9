"""Live calls: carrier webhooks, voice guidance, queue and routing, recording, the operator console,
messages to shops and supervisors' reports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from answering import carrier_views, models, views  # noqa: F401 - models join the metadata
    from tenants.signals import shop_dashboard

    carrier_views.init_app(app)
    app.register_blueprint(views.bp)
    shop_dashboard.connect(views.calls_card, weak=False)
    shop_dashboard.connect(views.fax_card, weak=False)
