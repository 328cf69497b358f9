"""The application as the fault battery serves it: `wsgi.create_app` from the environment, plus the
two switches that let it reach the local stand-ins on 127.0.0.1 (the shop's webhook receiver and
the simulated carrier's media host), which production refuses."""

from __future__ import annotations

from wsgi import create_app

app = create_app(
    {
        "WEBHOOK_ALLOW_PRIVATE": True,
        "CARRIER_MEDIA_HOSTS": ("127.0.0.1",),
        "CARRIER_MEDIA_ALLOW_PRIVATE": True,
    }
)
