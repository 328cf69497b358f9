"""Live calls: carrier webhooks, voice guidance, queue and routing, recording, the operator console,
messages to shops and supervisors' reports. Its pages and endpoints arrive with the live-calls issue."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to register yet."""
