"""`flask answering ...`: drive the real endpoints with the simulated carrier."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from answering import number_buying
from answering.providers import CarrierUnavailable
from answering.simulator.scenario import Plan, SimulationRefused, run
from tenants.scheduler import in_system_scope
from tenants.services import ValidationFailed

group = AppGroup("answering", help="Live calls: the carrier simulator.")


@group.command("simulate")
@click.option("--calls", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 500),
    default=10,
    show_default=True,
    help="Callers on the line at once, at most.",
)
@click.option("--operators", type=click.IntRange(1, 500), default=5, show_default=True)
@click.option("--shop", "shops", multiple=True, help="Call only this shop (repeatable).")
@click.option("--duplicate-callbacks", is_flag=True, help="Send every callback twice.")
@click.option("--shuffle-callbacks", is_flag=True, help="Delay callbacks so they overtake.")
@click.option(
    "--scale",
    type=click.FloatRange(0.001, 1.0),
    default=0.01,
    show_default=True,
    help="Real seconds per carrier second (0.01: an 80 s talk takes 0.8 s).",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--callback-share",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="The share of callers who take the offer of a callback that keeps their place.",
)
@click.option(
    "--lose-callbacks",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="The share of callbacks never delivered; the reconciliation then repairs them.",
)
@click.option(
    "--target",
    help="A running server to call (e.g. http://127.0.0.1:5000 of `make up`); "
    "by default this application is served on a free port.",
)
def simulate_command(
    calls: int,
    concurrency: int,
    operators: int,
    shops: tuple[str, ...],
    duplicate_callbacks: bool,
    shuffle_callbacks: bool,
    scale: float,
    seed: int,
    target: str | None,
    lose_callbacks: float,
    callback_share: float,
) -> None:
    """Place simulated calls to the shops' numbers through the real carrier endpoints, have
    simulated operators answer, and compare every call with the record kept of it."""
    plan = Plan(
        calls=calls,
        concurrency=concurrency,
        operators=operators,
        shops=shops,
        duplicate_callbacks=duplicate_callbacks,
        shuffle_callbacks=shuffle_callbacks,
        scale=scale,
        seed=seed,
        target=target,
        lose_callbacks=lose_callbacks,
        callback_share=callback_share,
    )
    if target is not None and not target.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--target")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with click.progressbar(length=calls, label="calls", file=sys.stderr) as bar:
        try:
            report = run(app, plan, progress=bar.update)
        except SimulationRefused as refused:
            raise click.UsageError(str(refused)) from None
    for line in report.lines():
        click.echo(line)
    for problem in report.incomplete[:20]:
        click.echo(f"  incomplete: {problem}", err=True)
    if report.incomplete or report.double_booked:
        raise SystemExit(1)


@group.command("buy-number")
@click.option("--kind", type=click.Choice(("phone", "fax")), default="phone", show_default=True)
@click.option("--toll-free", is_flag=True, help="0120 numbers instead of local ones.")
@click.option("--area", default="", help="Area code of a local number, e.g. 03 or 06.")
@click.option("--count", type=click.IntRange(1, 20), default=1, show_default=True)
def buy_number_command(kind: str, toll_free: bool, area: str, count: int) -> None:
    """Buy numbers through the carrier and add them to the pool."""
    with in_system_scope(current_app._get_current_object()):  # type: ignore[attr-defined]
        try:
            bought = number_buying.buy(
                kind=kind, toll_free=toll_free, area=area, count=count, actor=None, ip=None
            )
        except ValidationFailed as failure:
            raise click.BadParameter(failure.message) from None
        except CarrierUnavailable as error:
            raise click.ClickException(f"the carrier refused: {error}") from None
    for number in bought:
        click.echo(f"{number} bought and added to the pool")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
