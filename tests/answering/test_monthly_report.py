"""The shop's monthly report: calls handled, after hours and closed, the most asked questions and
menu choices, day by day, and its PDF in Japanese; only for the shop's own members."""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from tenants.coverage.services import TOKYO
from tenants.models import Shop
from tests.answering.call_records import add_call
from tests.conftest import log_in, system
from tests.factories import PASSWORD, make_shop


def call(session: Any, shop_id: uuid.UUID, at: str, outcome: str, **fields: Any) -> None:
    covered = outcome in ("answered", "abandoned", "short_abandon", "callback")
    arrived = datetime.fromisoformat(at).replace(tzinfo=TOKYO)
    wait = 8 if outcome == "answered" else 0
    add_call(session, shop_id, arrived, outcome, wait=wait, talk=90, in_coverage=covered, **fields)


@pytest.fixture
def october(app: Flask) -> None:
    make_shop(app, "alpha")
    make_shop(app, "beta")
    with system(app) as session:
        shops = {s.slug: s.id for s in session.scalars(select(Shop))}
        alpha, beta = shops["alpha"], shops["beta"]
        for _ in range(3):
            call(
                session,
                alpha,
                "2026-10-05 10:00",
                "answered",
                menu_choice="サイズについて",
                disposition="product_question",
            )
        call(session, alpha, "2026-10-05 10:05", "answered", menu_choice="返品について")
        call(session, alpha, "2026-10-06 11:00", "abandoned", menu_choice="サイズについて")
        call(session, alpha, "2026-10-06 21:00", "after_hours_message")
        call(session, alpha, "2026-10-07 22:00", "after_hours")
        call(session, alpha, "2026-10-08 12:00", "closed")
        call(session, alpha, "2026-11-01 00:00:30", "answered")  # November in Tokyo
        call(session, beta, "2026-10-05 10:00", "answered", menu_choice="ベータの質問")


@pytest.mark.usefixtures("october")
def test_the_month_in_the_portal(app: Flask) -> None:
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    page = owner.get("/shops/alpha/reports/monthly?month=2026-10")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "80.0 %" in text  # 4 answered of 5 offered
    assert "サイズについて" in text
    assert text.index("サイズについて") < text.index("返品について")  # most asked first
    assert "ベータの質問" not in text
    filed = text[text.index('data-testid="most-asked"') :]
    assert "<td>商品の質問</td><td>記録した用件</td><td>3</td>" in filed
    assert "2026-11-01" not in text
    days = text[text.index('data-testid="days"') :]
    assert "<td>10月5日(月)</td>" in days  # days read with their weekday, not as 2026-10-05
    assert ">2026年10月</option>" in text
    assert 'data-testid="definitions"' in text
    after_hours = text[text.index('data-testid="after-hours"') :]
    assert "<td>2</td><td>1</td><td>1</td>" in after_hours


@pytest.mark.usefixtures("october")
def test_the_pdf_is_a_japanese_document(app: Flask) -> None:
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    pdf = owner.get("/shops/alpha/reports/monthly.pdf?month=2026-10")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert b"HeiseiKakuGo-W5" in pdf.data
    assert "monthly-alpha-2026-10.pdf" in pdf.headers["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "10月5日(月)" in text


@pytest.mark.usefixtures("october")
@pytest.mark.parametrize("month", ["2026-13", "26-10", "9999-01", "2026-10-01", "x"])
def test_a_month_that_is_not_one_is_refused(app: Flask, month: str) -> None:
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    assert owner.get(f"/shops/alpha/reports/monthly?month={month}").status_code == 400
    assert owner.get(f"/shops/alpha/reports/monthly.pdf?month={month}").status_code == 400


@pytest.mark.usefixtures("october")
def test_another_shops_report_is_not_found(app: Flask) -> None:
    owner = app.test_client()
    log_in(owner, "owner@beta.example.jp", PASSWORD)
    assert owner.get("/shops/alpha/reports/monthly").status_code == 404
    assert owner.get("/shops/alpha/reports/monthly.pdf").status_code == 404
