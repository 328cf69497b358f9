"""Invoices: items and totals per tax rate (tax once per rate, rounded down), the monthly run."""

from __future__ import annotations

import uuid
from fractions import Fraction

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from billing import tasks
from billing.invoicing import Item, totals
from billing.models import Invoice
from billing.runs import Period, bill_period
from tenants.coverage.services import today_in_tokyo
from tests.billing.support import REGISTRATION, add_rate_card, last_month, old_shop
from tests.conftest import system

items = st.lists(
    st.builds(
        Item,
        kind=st.sampled_from(["weekday_day", "weekday_night", "minimum", "phone"]),
        quantity=st.integers(0, 50_000),
        amount=st.integers(0, 2_000_000),
        tax_rate_percent=st.sampled_from([8, 10]),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(items)
def test_total_is_items_plus_tax_per_rate_rounded_down_once(lines: list[Item]) -> None:
    result = totals(lines)
    for rate in {i.tax_rate_percent for i in lines}:
        base = sum(i.amount for i in lines if i.tax_rate_percent == rate)
        exact = Fraction(base * rate, 100)
        (row,) = [r for r in result.by_rate if r.rate_percent == rate]
        assert row.taxable == base
        assert row.tax == int(exact)  # floor: amounts are never negative
        assert row.tax <= exact < row.tax + 1
    assert result.subtotal == sum(i.amount for i in lines)
    assert result.tax == sum(r.tax for r in result.by_rate)
    assert result.total == result.subtotal + result.tax


def test_tax_is_not_rounded_per_line() -> None:
    # Two ¥15 items at 10 %: ¥1.5 each. Per line it would be ¥1 + ¥1; once on ¥30 it is ¥3.
    result = totals([Item("phone", 1, 15, 10), Item("fax", 1, 15, 10)])
    assert result.tax == 3
    assert result.total == 33


def invoices(app: Flask) -> list[Invoice]:
    with system(app) as session:
        rows = list(session.scalars(select(Invoice).order_by(Invoice.number)))
        for row in rows:
            _ = row.lines, row.taxes
        session.expunge_all()
        return rows


def run(app: Flask, period: str | None = None) -> object:
    return app.test_cli_runner().invoke(
        args=["billing", "run", "--period", period or str(last_month())]
    )


def test_the_run_bills_each_active_shop_once_and_a_rerun_creates_nothing(app: Flask) -> None:
    add_rate_card(app)
    old_shop(app, "alpha")
    old_shop(app, "beta")
    first = run(app)
    assert first.exit_code == 0, first.output
    assert "2 invoice(s) created for ¥66,000 in total" in first.stdout
    assert f"Billing {last_month()}" in first.stderr  # the progress bar
    again = run(app)
    assert again.exit_code == 0, again.output
    assert "0 invoice(s) created" in again.stdout
    assert "2 shop(s) already invoiced" in again.stdout
    rows = invoices(app)
    assert [r.number for r in rows] == [
        f"{last_month().year}{last_month().month:02d}-alpha",
        f"{last_month().year}{last_month().month:02d}-beta",
    ]
    for row in rows:
        assert row.status == "open"
        assert row.issued_on == today_in_tokyo()
        assert row.issuer_registration_number == REGISTRATION
        assert row.recipient_name == f"{row.number.split('-')[1]} shop"
        assert [line.kind for line in row.lines] == ["minimum"]  # no hours: the minimum
        assert row.subtotal == sum(line.amount for line in row.lines) == 30000
        assert [(t.rate_percent, t.taxable, t.tax) for t in row.taxes] == [(10, 30000, 3000)]
        assert row.total == row.subtotal + sum(t.tax for t in row.taxes) == 33000


def test_a_shop_created_after_the_month_or_pending_is_not_billed(app: Flask) -> None:
    add_rate_card(app)
    old_shop(app, "alpha")
    old_shop(app, "young", since=today_in_tokyo().replace(day=1))
    result = run(app)
    assert "1 invoice(s) created" in result.stdout
    assert [r.number.split("-")[1] for r in invoices(app)] == ["alpha"]


@pytest.mark.postgres
def test_a_failing_shop_does_not_stop_the_others(app: Flask) -> None:
    add_rate_card(app)
    for slug in ("alpha", "beta", "gamma"):
        old_shop(app, slug)
    delta = old_shop(app, "delta")
    with system(app) as session:
        # The database refuses delta's invoice (a fault outside our code, as a full disk would be);
        # the trigger is made by the owner role, the application's role may not create objects.
        session.execute(text("RESET ROLE"))
        session.execute(
            text(
                "CREATE FUNCTION refuse_delta() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql"
            )
        )
        session.execute(
            text(
                "CREATE TRIGGER refuse_delta BEFORE INSERT ON invoices FOR EACH ROW "
                f"WHEN (NEW.shop_id = '{delta['shop_id']}') EXECUTE FUNCTION refuse_delta()"
            )
        )
    result = run(app)
    assert result.exit_code == 1
    assert "3 invoice(s) created" in result.stdout
    assert "failed: delta:" in result.stdout
    assert "disk full" in result.stdout
    assert sorted(r.number.split("-")[1] for r in invoices(app)) == ["alpha", "beta", "gamma"]


def test_a_run_stopped_half_way_and_run_again_bills_each_shop_exactly_once(app: Flask) -> None:
    add_rate_card(app)
    ids = [
        uuid.UUID(old_shop(app, slug)["shop_id"])
        for slug in ("shop-a", "shop-b", "shop-c", "shop-d")
    ]
    with system(app):
        # The first run stops after two shops (as if killed): what it committed stays.
        summary = bill_period(
            last_month(), today_in_tokyo(), progress=lambda shop_ids: _stop_after(shop_ids, 2)
        )
        assert summary.created == 2
    result = run(app)
    assert "2 invoice(s) created" in result.stdout
    assert "2 shop(s) already invoiced" in result.stdout
    with system(app) as session:
        counts = session.execute(
            select(Invoice.shop_id, func.count()).group_by(Invoice.shop_id)
        ).all()
    assert sorted(counts) == sorted((i, 1) for i in ids)


class _stop_after:
    def __init__(self, shop_ids: list[uuid.UUID], count: int) -> None:
        self.shop_ids = shop_ids[:count]

    def __enter__(self) -> list[uuid.UUID]:
        return self.shop_ids

    def __exit__(self, *exc: object) -> None:
        return None


def test_bad_periods_get_a_clear_message(app: Flask) -> None:
    this_month = Period(today_in_tokyo().year, today_in_tokyo().month)
    for period, message in (
        ("2026/10", "write it as YYYY-MM"),
        ("2026-13", "the month must be 01 to 12"),
        ("1999-12", "the year must be 2000 to 2200"),
        (str(this_month), "is not over yet"),
    ):
        result = run(app, period)
        assert result.exit_code == 2
        assert message in result.output


def test_without_a_rate_card_the_run_refuses_to_issue(app: Flask) -> None:
    old_shop(app, "alpha")
    result = run(app)
    assert result.exit_code == 1
    assert "/staff/rate-cards" in result.output
    assert invoices(app) == []


def test_the_scheduled_job_bills_last_month_once(app: Flask) -> None:
    add_rate_card(app)
    old_shop(app, "alpha")
    tasks.monthly_billing(app)
    tasks.monthly_billing(app)  # the next hour: nothing more
    rows = invoices(app)
    assert [r.period for r in rows] == [str(last_month())]


def test_the_invoice_matches_the_estimate_of_its_month(app: Flask) -> None:
    from billing import services
    from tenants.models import Shop

    add_rate_card(app)
    shop = old_shop(app, "alpha")
    run(app)
    with system(app) as session:
        amount = services.amount_for(
            session.get_one(Shop, uuid.UUID(shop["shop_id"])), *_ym(last_month())
        )
    (row,) = invoices(app)
    assert (row.subtotal, row.tax, row.total) == (amount.subtotal, amount.tax, amount.total)


def _ym(period: Period) -> tuple[int, int]:
    return period.year, period.month
