"""The multi-tenant platform every domain stands on."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from tenants import (
        account_views,
        api,
        auth,
        cli,
        database,
        error_reports,
        i18n,
        logs,
        metrics,
        request_cycle,
        two_factor_views,
        views,
    )
    from tenants.config import settings_from
    from tenants.coverage import views as coverage_views
    from tenants.health import bp as health_bp
    from tenants.members import views as member_views
    from tenants.notifications import views as notification_views
    from tenants.numbers import views as number_views
    from tenants.scripts import views as script_views
    from tenants.signup import views as signup_views
    from tenants.web import limiter

    logs.configure_logging(settings_from(app.config).log_json)
    error_reports.init_app(app)
    database.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    limiter.init_app(app)
    request_cycle.init_app(app)
    logs.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(coverage_views.bp)
    app.register_blueprint(number_views.bp)
    app.register_blueprint(signup_views.bp)
    app.register_blueprint(script_views.bp)
    app.register_blueprint(member_views.bp)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(two_factor_views.bp)
    app.register_blueprint(notification_views.bp)
    app.register_blueprint(health_bp)
    api.init_app(app)
    cli.init_app(app)
