"""Live calls: carrier webhooks, voice guidance, queue and routing, recording, the operator console,
messages to shops and supervisors' reports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from answering import (  # noqa: F401 - models join the metadata, delivery's sweep registers
        carrier_views,
        cli,
        console_views,
        delivery,
        faq_hit_models,
        forwarding_views,
        inbox_views,
        message_api,
        models,
        number_buying,
        operator_phone_views,
        push_routing,
        quality_criteria,
        quality_models,
        quality_views,
        report_api,
        report_views,
        rollup_marks,
        rollups,
        simulation_views,
        staff_call_views,
        views,
        wallboard_views,
    )
    from answering import metrics as call_metrics
    from tenants.api import api
    from tenants.request_cycle import csrf
    from tenants.signals import audit_names, operator_free, shop_dashboard

    call_metrics.register()
    carrier_views.init_app(app)
    cli.init_app(app)
    app.register_blueprint(console_views.bp)
    app.register_blueprint(simulation_views.bp)
    app.register_blueprint(forwarding_views.bp)
    app.register_blueprint(number_buying.bp)
    app.register_blueprint(operator_phone_views.bp)
    app.register_blueprint(forwarding_views.carrier_bp)
    csrf.exempt(forwarding_views.carrier_bp)  # the carrier signs its requests instead
    api.register_blueprint(report_api.blp)
    csrf.exempt(report_api.blp)  # bearer tokens only
    api.register_blueprint(message_api.blp)
    csrf.exempt(message_api.blp)  # bearer tokens only
    app.register_blueprint(views.bp)
    app.register_blueprint(inbox_views.bp)
    app.register_blueprint(report_views.bp)
    app.register_blueprint(wallboard_views.bp)
    app.register_blueprint(quality_views.bp)
    app.register_blueprint(staff_call_views.bp)
    app.cli.add_command(rollups.group)
    audit_names.connect(quality_criteria.audit_names, weak=False)
    operator_free.connect(push_routing.operator_free, weak=False)
    shop_dashboard.connect(views.calls_card, weak=False)
    shop_dashboard.connect(views.fax_card, weak=False)
    shop_dashboard.connect(inbox_views.inbox_card, weak=False)
