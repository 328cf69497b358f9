"""Demand history: the 30-minute slot in Tokyo time, and counts per DESIGN.md section 2."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from scheduling import demand
from tests.conftest import system


def test_interval_is_the_tokyo_half_hour() -> None:
    at = datetime(2026, 11, 24, 0, 29, 59, tzinfo=UTC)  # 09:29:59 in Tokyo
    start = demand.interval_start(at)
    assert start.isoformat() == "2026-11-24T09:00:00+09:00"
    assert demand.interval_start(datetime(2026, 11, 24, 0, 30, tzinfo=UTC)).minute == 30


def test_counts_follow_the_definitions(app: Flask) -> None:
    at = datetime(2026, 11, 24, 1, 5, tzinfo=UTC)
    with system(app):
        demand.record_call(
            "q", queued_at=at, outcome="answered", wait_s=12, handle_s=200, sl_threshold_s=20
        )
        demand.record_call(
            "q", queued_at=at, outcome="answered", wait_s=40, handle_s=100, sl_threshold_s=20
        )
        demand.record_call(
            "q", queued_at=at, outcome="abandoned", wait_s=30, handle_s=0, sl_threshold_s=20
        )
        demand.record_call(
            "q", queued_at=at, outcome="short_abandon", wait_s=2, handle_s=0, sl_threshold_s=20
        )
    with system(app):
        [row] = demand.history("q", at.replace(hour=0), at.replace(hour=2))
        assert (row.offered, row.answered, row.abandoned, row.short_abandoned) == (3, 2, 1, 1)
        assert row.answered_within_sl == 1
        assert row.wait_s_answered == 52
        assert row.handle_s == 300
