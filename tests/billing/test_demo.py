"""The demo can issue qualified invoices from its first day: a rate card with an issuer is in force."""

from __future__ import annotations

from flask import Flask

from billing.runs import issuer_on
from tenants.coverage.services import today_in_tokyo
from tests.conftest import system


def test_the_demo_has_a_rate_card_with_an_issuer_in_force(app: Flask) -> None:
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with system(app):
        card = issuer_on(today_in_tokyo())
        assert card.issuer_registration_number.startswith("T")
        assert len(card.issuer_registration_number) == 14
        assert card.monthly_minimum_yen == 30000
