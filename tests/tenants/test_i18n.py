"""Dates and yen in Japanese formats, in Asia/Tokyo."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask
from flask_babel import force_locale

from tenants.i18n import format_day, format_when, format_yen


def test_dates_are_japanese_and_in_tokyo_time(app: Flask) -> None:
    moment = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # 00:30 the next day in Tokyo
    with app.test_request_context():
        assert format_when(moment) == "2026年11月25日 00:30"
        assert format_when(moment, "date") == "2026年11月25日"
        with force_locale("en"):
            assert format_when(moment) == "Nov 25, 2026 00:30"
        assert format_when(None) == "—"


def test_days_carry_their_weekday_and_months_read_as_words(app: Flask) -> None:
    with app.test_request_context():
        assert format_day(date(2026, 11, 24)) == "11月24日(火)"
        assert format_day("2026-11-25") == "11月25日(水)"
        assert format_day("2026-11-25T14:30:00+09:00") == "11月25日(水)"
        assert format_day(date(2026, 11, 1), "month") == "2026年11月"
        with force_locale("en"):
            assert format_day(date(2026, 11, 24)) == "Tue, Nov 24"
            assert format_day(date(2026, 11, 1), "month") == "November 2026"
        assert format_day(None) == "—"


def test_yen_has_the_sign_and_thousands_separators() -> None:
    assert format_yen(30000) == "¥30,000"
    assert format_yen(0) == "¥0"


def test_a_moment_is_its_time_today_and_its_day_and_time_before(app: Flask) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(UTC)
    earlier = now - timedelta(days=2)
    with app.test_request_context(), force_locale("ja"):
        assert format_when(now, "moment") == now.astimezone(ZoneInfo("Asia/Tokyo")).strftime(
            "%H:%M"
        )
        local = earlier.astimezone(ZoneInfo("Asia/Tokyo"))
        assert format_when(earlier, "moment") == f"{local.month}月{local.day}日 {local:%H:%M}"
