"""The workforce: operators' teams and skills, call-demand history, forecasts, staffing, shifts."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from scheduling import api as campaign_api
    from scheduling import (  # noqa: F401 - tasks register
        cli,
        demo,
        pattern_views,
        queue_views,
        queues,
        tasks,
        views,
    )
    from tenants.api import api
    from tenants.request_cycle import csrf
    from tenants.signals import audit_names, demo_seeded

    demo_seeded.connect(demo.add_demo_team, weak=False)
    audit_names.connect(queues.audit_names, weak=False)
    cli.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(pattern_views.bp)
    app.register_blueprint(views.my_shifts_bp)
    app.register_blueprint(queue_views.bp)
    app.jinja_env.filters["queue_label"] = queues.label
    api.register_blueprint(campaign_api.blp)
    csrf.exempt(campaign_api.blp)  # bearer tokens only
