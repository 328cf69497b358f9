"""Live calls: carrier webhooks, voice guidance, queue and routing, recording, the operator console,
messages to shops and supervisors' reports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from answering import carrier_views, models  # noqa: F401 - models join the metadata

    carrier_views.init_app(app)
