"""`flask billing ...`: the monthly billing run."""

from __future__ import annotations

import signal
import sys
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from billing import collection
from billing.runs import NoIssuer, Period, bill_period
from tenants.config import settings_from
from tenants.coverage.services import today_in_tokyo
from tenants.db import db
from tenants.scoping import SYSTEM, set_scope

group = AppGroup("billing", help="Invoices and payments.")


def _period(ctx: click.Context, param: click.Parameter, value: str) -> Period:
    try:
        period = Period.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    if period.last_day >= today_in_tokyo():
        raise click.BadParameter(
            f"{period} is not over yet (today is {today_in_tokyo()} in Tokyo): months are "
            "billed in arrears, from the 1st of the next month"
        )
    return period


@group.command("run")
@click.option(
    "--period", required=True, callback=_period, help="The month to bill, as YYYY-MM (JST)."
)
def run_command(period: Period) -> None:
    """Invoice every shop active in the month; shops already invoiced are left as they are."""
    set_scope(db.session, SYSTEM)
    try:
        summary = bill_period(
            period,
            today_in_tokyo(),
            after_invoice=collection.enqueue_collection,
            progress=lambda ids: click.progressbar(
                ids, label=f"Billing {period}", file=sys.stderr, show_pos=True
            ),
        )
    except NoIssuer as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"{period}: {summary.created} invoice(s) created for ¥{summary.total_yen:,} in total, "
        f"{summary.already_invoiced} shop(s) already invoiced, {len(summary.failed)} failed."
    )
    for slug, reason in summary.failed:
        click.echo(f"  failed: {slug}: {reason}")
    if summary.failed:
        sys.exit(1)


@group.command("stripe-local")
@click.option("--port", type=click.IntRange(0, 65535), default=12111, show_default=True)
@click.option(
    "--webhook-url",
    default=None,
    help="Where to send events (default: PUBLIC_BASE_URL + /billing/stripe/webhook).",
)
def stripe_local_command(port: int, webhook_url: str | None) -> None:
    """Serve Stripe's API locally (for the demo and tests); point STRIPE_API_BASE at it."""
    from billing.stripe_api import API_VERSION
    from billing.stripe_local.server import LocalStripe

    settings = settings_from(current_app.config)
    if not settings.stripe_webhook_secret:
        raise click.UsageError("Set STRIPE_WEBHOOK_SECRET: the server signs webhooks with it.")
    server = LocalStripe(
        api_version=API_VERSION,
        webhook_url=webhook_url or f"{settings.public_base_url}/billing/stripe/webhook",
        webhook_secret=settings.stripe_webhook_secret,
        port=port,
    )
    url = server.start()
    click.echo(f"Stripe's API on {url} (STRIPE_API_BASE={url}); webhooks to {server.webhook_url}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
