"""Day rollups stay right when a call record changes long after its day: a late reconciliation, a
disposition filed by a bulk update, a purge. The change marks its shop's day stale, the report
reads that day from the call records at once, and the rollup job recounts it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from answering import rollups
from answering.models import Call
from answering.rollup_models import CallDayRollup, CallRollupMark
from tenants.config import settings_from
from tenants.coverage.services import TOKYO, today_in_tokyo
from tenants.models import Shop, StaffRole
from tests.answering.call_records import add_call
from tests.conftest import system
from tests.factories import make_shop, make_staff
from tests.tenants.test_api import bearer, token_for

DAY = today_in_tokyo() - timedelta(days=12)
TEN = datetime.combine(DAY, time(10), TOKYO)


@pytest.fixture
def rolled_day(app: Flask) -> dict[str, uuid.UUID]:
    """alpha: one answered and one abandoned call twelve days ago; beta: two answered; the
    rollups hold that day and nothing is marked."""
    make_shop(app, "alpha")
    make_shop(app, "beta")
    with system(app) as session:
        shops = {s.slug: s.id for s in session.scalars(select(Shop))}
        add_call(session, shops["alpha"], TEN, "answered", wait=5, talk=100)
        add_call(session, shops["alpha"], TEN + timedelta(minutes=5), "abandoned", wait=30)
        for minutes in (0, 10):
            add_call(session, shops["beta"], TEN + timedelta(minutes=minutes), "answered", talk=60)
    with system(app):
        rollups.roll(DAY, today_in_tokyo(), settings_from(app.config).sl_threshold_s)
    assert marks(app) == []
    return shops


def marks(app: Flask) -> list[tuple[uuid.UUID, Any]]:
    with system(app) as session:
        return [(m.shop_id, m.day) for m in session.scalars(select(CallRollupMark))]


def rolled(app: Flask, shop_id: uuid.UUID) -> tuple[int, int, float]:
    """(answered, abandoned, handling seconds) of the shop's day as the rollup holds it."""
    with system(app) as session:
        row = session.scalars(
            select(CallDayRollup).where(CallDayRollup.shop_id == shop_id, CallDayRollup.day == DAY)
        ).one()
        return row.answered, row.abandoned, row.handle_s


@pytest.fixture
def report(app: Flask, client: FlaskClient) -> Callable[[], dict[str, dict[str, Any]]]:
    """The day's answer-rate report by shop, as a supervisor's token reads it."""
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    headers = bearer(token_for(app, supervisor["email"]))

    def read() -> dict[str, dict[str, Any]]:
        url = f"/api/v1/reports/answer-rate?from={DAY}&to={DAY}&group_by=shop"
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        return {row["shop"]: row for row in response.get_json()}

    return read


def alpha_call(session: Any, outcome: str) -> Call:
    """alpha's call of that day with this outcome."""
    alpha = select(Shop.id).where(Shop.slug == "alpha").scalar_subquery()
    return session.scalars(
        select(Call).where(
            Call.shop_id == alpha,
            Call.outcome == outcome,
            Call.arrived_at < TEN + timedelta(hours=1),
        )
    ).one()


def test_a_record_reconciled_ten_days_later_shows_at_once_and_the_job_recounts_its_day(
    app: Flask, rolled_day: dict[str, uuid.UUID], report: Callable[[], dict[str, Any]]
) -> None:
    alpha, beta = rolled_day["alpha"], rolled_day["beta"]
    before = report()
    assert (before["alpha"]["answered"], before["alpha"]["abandoned"]) == (1, 1)
    with system(app) as session:
        late = alpha_call(session, "abandoned")
        late.outcome, late.answered_at = "answered", late.queued_at + timedelta(seconds=30)
    assert marks(app) == [(alpha, DAY)]
    assert rolled(app, alpha)[:2] == (1, 1)  # the rollup itself has not moved yet
    now = report()
    assert (now["alpha"]["answered"], now["alpha"]["abandoned"]) == (2, 0)
    assert now["beta"] == before["beta"]
    rollups.refresh(app)
    assert marks(app) == []
    assert rolled(app, alpha)[:2] == (2, 0)
    assert rolled(app, beta)[:2] == (2, 0)
    assert report() == now


def test_a_bulk_update_and_a_deleted_record_mark_their_day_too(
    app: Flask, rolled_day: dict[str, uuid.UUID], report: Callable[[], dict[str, Any]]
) -> None:
    alpha = rolled_day["alpha"]
    with system(app) as session:
        answered = alpha_call(session, "answered")
        session.execute(
            update(Call)
            .where(Call.shop_id == alpha, Call.id == answered.id)
            .values(disposition="product_question", after_call_work_s=40)
            .execution_options(synchronize_session=False)
        )
    assert marks(app) == [(alpha, DAY)]
    assert report()["alpha"]["aht_s"] == 140.0  # 100 s talk + 40 s filing
    rollups.refresh(app)
    assert rolled(app, alpha) == (1, 1, 140.0)
    with system(app) as session:
        session.delete(alpha_call(session, "abandoned"))
    assert marks(app) == [(alpha, DAY)]
    assert report()["alpha"]["offered"] == 1
    rollups.refresh(app)
    assert marks(app) == []
    assert report()["alpha"]["offered"] == 1


def test_todays_calls_and_unchanged_records_leave_no_mark(
    app: Flask, rolled_day: dict[str, uuid.UUID]
) -> None:
    with system(app) as session:
        add_call(session, rolled_day["alpha"], datetime.now(TOKYO), "in_progress")
        session.flush()
        today = session.scalars(select(Call).where(Call.outcome == "in_progress")).one()
        today.outcome = "abandoned"
        old = alpha_call(session, "abandoned")  # read, not changed
        old.outcome = old.outcome
    assert marks(app) == []
