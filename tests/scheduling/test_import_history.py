"""Importing outside call logs: the Anonymous Bank log and the generic CSV, malformed rows, twice."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from scheduling.models import DemandInterval
from tests.conftest import system
from tests.services import CI

REPO = Path(__file__).resolve().parents[2]
# The shared call-centre data sits beside the repository (../shared/data), where this machine keeps it.
CANDIDATES = [REPO.parent / "shared" / "data", Path("/work/shared/data")]


def anonbank() -> Path:
    for folder in CANDIDATES:
        found = folder / "anonbank_1999_01_january.txt"
        if found.exists():
            return found
    if CI:
        pytest.fail("../shared/data/anonbank_1999_01_january.txt is missing")
    pytest.skip("../shared/data is not on this machine (set CI=true to require it)")


def run(app: Flask, *args: str) -> object:
    return app.test_cli_runner().invoke(args=["scheduling", "import-history", *args])


def totals(app: Flask, queue: str) -> tuple[int, int, int, int]:
    with system(app) as session:
        row = session.execute(
            select(
                func.sum(DemandInterval.offered),
                func.sum(DemandInterval.answered),
                func.sum(DemandInterval.abandoned),
                func.sum(DemandInterval.short_abandoned),
            ).where(DemandInterval.queue == queue)
        ).one()
    return tuple(int(v or 0) for v in row)  # type: ignore[return-value]


def test_the_anonymous_bank_month(app: Flask) -> None:
    result = run(
        app, "--queue", "bank", "--format", "anonbank", "--tz", "Asia/Jerusalem", str(anonbank())
    )
    assert result.exit_code == 0, result.output
    # Offered to agents: every AGENT row (13,585 queued + 13,475 served at once) and the 3,101
    # HANG rows that joined the queue; 148 of those hung up within 5 s (short abandons).
    assert totals(app, "bank") == (30013, 27060, 2953, 148)
    assert "Skipped 240: line fault (PHANTOM)." in result.output
    again = run(
        app, "--queue", "bank", "--format", "anonbank", "--tz", "Asia/Jerusalem", str(anonbank())
    )
    assert "nothing changed" in again.output
    assert totals(app, "bank") == (30013, 27060, 2953, 148)


def test_generic_csv_with_malformed_rows(app: Flask, tmp_path: Path) -> None:
    log = tmp_path / "calls.csv"
    log.write_text(
        "arrival,outcome,wait_s,handle_s\n"
        "2026-11-02T09:00:12,answered,14,185\n"
        "2026-11-02T09:10:00,abandoned,35,0\n"
        "2026-11-02T09:12:00,abandoned,3,0\n"
        "yesterday,answered,1,1\n"
        "2026-11-02T09:20:00,transferred,1,1\n"
        "2026-11-02T09:40:00+09:00,answered,25,100\n"
    )
    result = run(app, "--queue", "shop-q", "--format", "csv", str(log))
    assert result.exit_code == 0, result.output
    assert "line 5:" in result.output
    assert "line 6:" in result.output
    assert totals(app, "shop-q") == (3, 2, 1, 1)
    with system(app) as session:
        starts = session.scalars(
            select(DemandInterval.interval_start)
            .where(DemandInterval.queue == "shop-q")
            .order_by(DemandInterval.interval_start)
        ).all()
    tokyo = ZoneInfo("Asia/Tokyo")
    assert [s.astimezone(tokyo).strftime("%H:%M") for s in starts] == ["09:00", "09:30"]


def test_bad_arguments_are_explained(app: Flask, tmp_path: Path) -> None:
    log = tmp_path / "calls.csv"
    log.write_text("arrival,outcome,wait_s,handle_s\n")
    assert (
        "unknown time zone"
        in run(app, "--queue", "q", "--format", "csv", "--tz", "Mars/Base", str(log)).output
    )
    assert run(app, "--queue", "q", "--format", "xls", str(log)).exit_code != 0
    binary = tmp_path / "calls.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    assert "not UTF-8" in run(app, "--queue", "q", "--format", "csv", str(binary)).output
