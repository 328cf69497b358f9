"""Command-line tools: `flask seed-demo` and `flask tenants ...` (staff, tokens, worker, scheduler)."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from tenants import services
from tenants.config import settings_from
from tenants.db import db
from tenants.demo import DEMO_PASSWORD, seed_demo
from tenants.jobs import job_queue, redis_connection
from tenants.models import StaffRole
from tenants.numbers import services as numbers
from tenants.scheduler import Scheduler
from tenants.scoping import SYSTEM, set_scope

group = AppGroup("tenants", help="Shops, staff, API tokens and the job processes.")


@contextmanager
def system_transaction() -> Iterator[None]:
    """One transaction over every shop, committed when the command succeeds."""
    set_scope(db.session, SYSTEM)
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _fail(message: str) -> NoReturn:
    raise click.ClickException(message)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Add the demo shops and staff (once) and print their logins."""
    with system_transaction():
        added, logins = seed_demo()
    click.echo("Demo data added." if added else "Demo data already present.")
    base = settings_from(current_app.config).public_base_url
    click.echo(f"\nLog in at {base}/login with password {DEMO_PASSWORD!r}:")
    for login in logins:
        click.echo(f"  {login.role:<28} {login.email}")


@group.command("create-staff")
@click.argument("email")
@click.option(
    "--role", type=click.Choice([r.value for r in StaffRole]), required=True, help="Staff role."
)
@click.option("--name", default="", help="Display name (defaults to the e-mail address).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_staff(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a staff user, or change an existing staff user's role."""
    with system_transaction():
        existing = services.find_user(email)
        try:
            if existing is not None:
                services.set_staff_role(existing, StaffRole(role), actor=None, ip="cli")
                click.echo(f"{existing.email} is now {role}.")
                return
            if not password_stdin:
                _fail("A new user needs a password: pipe it in with --password-stdin.")
            password = sys.stdin.readline().rstrip("\r\n")
            user = services.create_user(
                email=email, display_name=name, password=password, staff_role=StaffRole(role)
            )
            services.audit(
                "staff.created", actor=None, target=user.email, ip="cli", detail={"role": role}
            )
        except services.ValidationFailed as failure:
            _fail(f"{failure.field}: {failure.message}")
    click.echo(f"Created {role} {user.email}.")


@group.command("create-token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for (shown in the token list).")
@click.option("--shop", "shop_slug", default=None, help="The shop, for a member of several shops.")
def create_token(email: str, name: str, shop_slug: str | None) -> None:
    """Create an API token for a user and print it once."""
    with system_transaction():
        user = services.find_user(email)
        if user is None:
            _fail(f"No user with the e-mail address {email}.")
        shop = None
        if not user.is_staff:
            memberships = services.memberships_of(user)
            if shop_slug:
                memberships = [m for m in memberships if m.shop.slug == shop_slug]
            if not memberships:
                _fail(f"{email} is not a member of {shop_slug or 'any shop'}.")
            if len(memberships) > 1:
                _fail("This user is a member of several shops: choose one with --shop.")
            shop = memberships[0].shop
        try:
            _token, plaintext = services.create_token(user, name=name, shop=shop, ip="cli")
        except services.ValidationFailed as failure:
            _fail(failure.message)
    scope = f"shop {shop.slug}" if shop else f"staff role {user.staff_role}"
    click.echo(f"Token {name!r} for {scope}; it is shown only this once:", err=True)
    click.echo(plaintext)


@group.command("add-number")
@click.argument("number")
@click.option("--kind", type=click.Choice(["phone", "fax"]), default="phone", show_default=True)
@click.option("--note", default="", help="Where the number came from.")
def add_number(number: str, kind: str, note: str) -> None:
    """Add a number the service owns (bought outside the carrier adapter) to the pool."""
    with system_transaction():
        try:
            row = numbers.add_to_pool(number, kind=kind, note=note, ip="cli")
        except services.ValidationFailed as failure:
            _fail(f"{number}: {failure.message}")
    click.echo(f"Added {numbers.national(row.e164)} ({row.e164}) as {kind}.")


@group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker for this application's jobs (needs REDIS_URL)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if settings_from(app.config).redis_url is None:
        _fail("REDIS_URL is not set: without it, jobs run inside the web process.")
    from rq import Worker

    queue = job_queue(app)
    Worker([queue], connection=redis_connection(app)).work(burst=burst, with_scheduler=True)


@group.command("scheduler")
def scheduler() -> None:
    """Start periodic jobs on time, once each, until interrupted."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    Scheduler(app).run_forever(stop)


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
    app.cli.add_command(seed_demo_command)
