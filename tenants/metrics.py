"""`/metrics` in Prometheus' text format: request latency by endpoint and job failures here; other
domains add their figures (webhook outcomes, queue, operators by state, today's answer rate)
through `register_gauge`.

Reachable from the machine itself, or with `Authorization: Bearer <METRICS_TOKEN>` when that is
set. Each process keeps its own counts (a gunicorn deployment scrapes each process, or uses
prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from tenants.db import db
from tenants.machine_requests import for_machines
from tenants.models import OutboxJob
from tenants.scoping import SYSTEM, set_scope

REGISTRY = CollectorRegistry()
LATENCY = Histogram(
    "answering_request_seconds",
    "Time to answer a request",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
WEBHOOKS = Counter(
    "answering_webhooks_total",
    "Carrier and payment webhooks by outcome",
    ["source", "outcome"],
    registry=REGISTRY,
)

GaugeFn = Callable[[], list[tuple[dict[str, str], float]]]
_GAUGES: dict[str, tuple[str, list[str], GaugeFn]] = {}


def register_gauge(name: str, documentation: str, labels: list[str], read: GaugeFn) -> None:
    """A figure read from the database at each scrape (`read` returns label values and numbers)."""
    _GAUGES[name] = (documentation, labels, read)


class _DatabaseGauges(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        set_scope(db.session, SYSTEM)
        for name, (documentation, labels, read) in _GAUGES.items():
            family = GaugeMetricFamily(name, documentation, labels=labels)
            for values, number in read():
                family.add_metric([values[label] for label in labels], number)
            yield family


def _job_failures() -> list[tuple[dict[str, str], float]]:
    rows = db.session.execute(
        select(OutboxJob.state, func.count())
        .where(OutboxJob.attempts > 0, OutboxJob.state != "done")
        .group_by(OutboxJob.state)
    )
    return [({"state": state}, float(count)) for state, count in rows]


register_gauge(
    "answering_jobs_failing",
    "Outbox jobs that failed at least once and are not done",
    ["state"],
    _job_failures,
)
REGISTRY.register(_DatabaseGauges())


def _allowed() -> bool:
    token = os.environ.get("METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given, token)
    return request.remote_addr in ("127.0.0.1", "::1")


def init_app(app: Flask) -> None:
    @app.before_request
    @for_machines
    def _start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    @for_machines
    def _observe(response: Response) -> Response:
        if "metrics_started" in g and request.endpoint != "metrics":
            LATENCY.labels(
                request.endpoint or "unknown", request.method, str(response.status_code)
            ).observe(time.perf_counter() - g.metrics_started)
        return response

    @app.get("/metrics", endpoint="metrics")
    def metrics() -> Response:
        if not _allowed():
            raise NotFound()
        return Response(generate_latest(REGISTRY), mimetype=CONTENT_TYPE_LATEST)
