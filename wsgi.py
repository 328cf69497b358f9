"""The composition root: `create_app(config=None)` and `app` for `gunicorn wsgi:app`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, redirect, url_for

import answering
import billing
import scheduling
import tenants
from tenants.config import Settings, environ_with
from tenants.machine_requests import Application


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application from the environment; `config` overrides environment and Flask keys."""
    app = Application(__name__, instance_relative_config=True, static_folder="static")
    settings = Settings.from_env(environ_with(config), app.instance_path)
    app.config.update(settings.as_flask_config())
    app.config.update(config or {})
    tenants.init_app(app)
    scheduling.init_app(app)
    answering.init_app(app)
    billing.init_app(app)
    # Browsers ask for /favicon.ico whatever the page says: send them to the icon.
    app.add_url_rule(
        "/favicon.ico",
        "favicon",
        lambda: redirect(url_for("static", filename="favicon.svg"), 301),
    )
    return app


app = create_app()
