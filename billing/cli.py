"""`flask billing ...`: the monthly billing run."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from billing.runs import NoIssuer, Period, bill_period
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


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
