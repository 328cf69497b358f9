"""A shop's campaign day raises only the shop's share of its queue's forecast."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from scheduling import campaign_shares, demand, forecast, rosters
from scheduling.models import ShopDemandDay
from tenants.db import db
from tests.conftest import system
from tests.factories import make_shop

TOKYO = ZoneInfo("Asia/Tokyo")
SALE_WEEK = date(2026, 11, 30)  # a Monday


def four_weeks_of_calls(shops: dict[uuid.UUID, int]) -> None:
    """Every day of the four weeks before the sale week, at 09:00: each shop's calls, answered."""
    for day in range(28):
        at = datetime(2026, 11, 2, 9, 0, tzinfo=TOKYO) + timedelta(days=day)
        for shop_id, calls in shops.items():
            for i in range(calls):
                demand.record_call(
                    "shared",
                    queued_at=at + timedelta(seconds=60 * i),
                    outcome="answered",
                    wait_s=5,
                    handle_s=120,
                    sl_threshold_s=20,
                    shop_id=shop_id,
                )


def monday_nine(queue: str) -> float:
    predicted = forecast.forecast_days(queue, SALE_WEEK, 7, TOKYO)
    return float(predicted.values[18])


def test_a_sale_at_one_of_two_shops_raises_only_its_share(app: Flask) -> None:
    small = uuid.UUID(make_shop(app, "small")["shop_id"])
    large = uuid.UUID(make_shop(app, "large")["shop_id"])
    newcomer = uuid.UUID(make_shop(app, "newcomer")["shop_id"])
    with system(app):
        four_weeks_of_calls({small: 2, large: 8})
        assert campaign_shares.shop_share("shared", small, SALE_WEEK) == 0.2
        assert campaign_shares.shop_share("shared", large, SALE_WEEK) == 0.8
        assert campaign_shares.shop_share("shared", newcomer, SALE_WEEK) == 1 / 3
        usual = monday_nine("shared")
        assert usual == 10.0
        sale = rosters.add_campaign("shared", SALE_WEEK, 3.0, "セール", actor=None)
        sale.shop_id = small
        # The small shop triples its 2 calls: 10 - 2 + 6 = 14, not 30.
        assert monday_nine("shared") == 14.0
        sale.shop_id = None  # a supervisor's campaign day: the whole queue
        assert monday_nine("shared") == 30.0


def test_calls_taken_back_leave_the_shop_share(app: Flask) -> None:
    shop = uuid.UUID(make_shop(app, "alpha")["shop_id"])
    with system(app):
        four_weeks_of_calls({shop: 1})
        at = datetime(2026, 11, 2, 9, 0, tzinfo=TOKYO)
        demand.record_call(
            "shared",
            queued_at=at,
            outcome="answered",
            wait_s=5,
            handle_s=120,
            sl_threshold_s=20,
            sign=-1,
            shop_id=shop,
        )
        counted = db.session.scalar(
            select(func.sum(ShopDemandDay.offered)).where(ShopDemandDay.shop_id == shop)
        )
        assert counted == 27
        assert campaign_shares.shop_share("other", shop, SALE_WEEK) == 1.0  # no record: all
