"""Quality review: the weekly sample per operator (size set by a supervisor, topped up, never
doubled), the review page with its recording (range requests) and the script the operator saw, the
scorecard (weights, critical items), operators' own evaluations, trends; nobody else gets in."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering import quality
from answering.quality_models import QaReview
from tenants.coverage.services import TOKYO, today_in_tokyo
from tenants.db import new_id
from tenants.models import Shop, StaffRole
from tenants.scripts.models import ScriptVersion
from tenants.storage import store
from tests.answering.call_records import add_call
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff

# the shared scorecard items the product starts with
SHARED = ("polite", "confirmed", "message", "closing", "personal_data", "no_false_promise")
WEEK = quality.week_of(today_in_tokyo()) - timedelta(days=21)  # a Monday three weeks ago
SCRIPT = {
    "greeting": "お電話ありがとうございます。はなこ雑貨店です。",
    "faqs": [
        {
            "question": "サイズ交換はできますか",
            "answer": "到着後7日以内なら承ります。",
            "tags": ["サイズ"],
        }
    ],
    "menu": [{"key": 1, "label": "サイズについて"}],
}


def answered(
    session: Any, shop_id: uuid.UUID, operator_id: uuid.UUID, at: datetime, **more: Any
) -> None:
    outcome = more.pop("outcome", "answered")
    add_call(session, shop_id, at, outcome, wait=5, talk=115, operator_id=operator_id, **more)


@pytest.fixture
def week_of_calls(app: Flask) -> dict[str, uuid.UUID]:
    """op1: 6 answered calls for alpha and one abandoned; op2: 2 answered for beta."""
    make_shop(app, "alpha")
    make_shop(app, "beta")
    people = {
        name: uuid.UUID(
            make_staff(app, StaffRole.OPERATOR, f"{name}@answering.example.jp")["user_id"]
        )
        for name in ("op1", "op2")
    }
    start = datetime.combine(WEEK + timedelta(days=1), time(10), TOKYO)
    with system(app) as session:
        shops = {s.slug: s.id for s in session.scalars(select(Shop))}
        session.add(
            ScriptVersion(
                id=new_id(),
                shop_id=shops["alpha"],
                number=1,
                content=SCRIPT,
                published_at=start - timedelta(days=1),
            )
        )
        for i in range(6):
            answered(
                session,
                shops["alpha"],
                people["op1"],
                start + timedelta(hours=i),
                menu_choice="サイズについて",
                recording_key=f"recordings/{shops['alpha']}/{i}.mp3",
            )
        answered(session, shops["alpha"], people["op1"], start, outcome="abandoned")
        answered(session, shops["beta"], people["op2"], start + timedelta(days=2))
        answered(session, shops["beta"], people["op2"], start + timedelta(days=3))
        answered(session, shops["beta"], people["op2"], start + timedelta(days=9))  # next week
        for i in range(6):
            store(app).put(f"recordings/{shops['alpha']}/{i}.mp3", b"ID3" + bytes(range(100)))
    return {**people, **shops}


def supervisor_client(app: Flask) -> FlaskClient:
    make_staff(app, StaffRole.SUPERVISOR)
    client = app.test_client()
    log_in(client, "supervisor@answering.example.jp", PASSWORD)
    return client


def sampled(app: Flask) -> list[QaReview]:
    with system(app) as session:
        rows = list(session.scalars(select(QaReview).where(QaReview.week_start == WEEK)))
        session.expunge_all()
        return rows


def test_the_weekly_sample_tops_up_to_the_size_and_never_doubles(
    app: Flask, week_of_calls: dict[str, uuid.UUID]
) -> None:
    client = supervisor_client(app)
    token = csrf_token(client, "/staff/quality/")
    assert (
        client.post(
            "/staff/quality/plan", data={"sample_size": "3", "csrf_token": token}
        ).status_code
        == 302
    )
    for _ in range(2):
        client.post(
            "/staff/quality/sample",
            data={"week": (WEEK + timedelta(days=2)).isoformat(), "csrf_token": token},
        )
    rows = sampled(app)
    by_operator = {
        op: sum(r.operator_id == week_of_calls[op] for r in rows) for op in ("op1", "op2")
    }
    assert by_operator == {"op1": 3, "op2": 2}
    assert all(r.script_version == 1 for r in rows if r.shop_id == week_of_calls["alpha"])
    client.post("/staff/quality/plan", data={"sample_size": "4", "csrf_token": token})
    client.post("/staff/quality/sample", data={"week": WEEK.isoformat(), "csrf_token": token})
    assert sum(r.operator_id == week_of_calls["op1"] for r in sampled(app)) == 4
    refused = client.post("/staff/quality/plan", data={"sample_size": "1000", "csrf_token": token})
    assert "0〜100件" in client.get(refused.headers["Location"]).get_data(as_text=True)
    assert (
        client.post(
            "/staff/quality/sample", data={"week": "2999-01-01", "csrf_token": token}
        ).status_code
        == 400
    )
    assert (
        client.post("/staff/quality/sample", data={"week": "soon", "csrf_token": token}).status_code
        == 400
    )


def first_review(app: Flask) -> QaReview:
    with system(app):
        quality.sample_week(WEEK, size=1)
    return next(r for r in sampled(app) if r.script_version == 1)


@pytest.mark.usefixtures("week_of_calls")
def test_a_review_plays_the_recording_shows_the_script_and_scores(app: Flask) -> None:
    client = supervisor_client(app)
    review = first_review(app)
    url = f"/staff/quality/{review.shop_id}/{review.id}"
    page = client.get(url).get_data(as_text=True)
    assert "<audio" in page
    assert SCRIPT["greeting"] in page
    assert "到着後7日以内なら承ります。" in page  # the answer for the caller's topic
    audio = client.get(url + "/recording.mp3", headers={"Range": "bytes=0-9"})
    assert (audio.status_code, len(audio.data)) == (206, 10)
    audio.close()
    token = csrf_token(client, url)
    incomplete = client.post(url, data={"csrf_token": token, "item-greeting": "pass"})
    assert incomplete.status_code == 400
    assert "すべての項目" in incomplete.get_data(as_text=True)
    verdicts = {f"item-{key}": "pass" for key in SHARED}
    # greeting (2) passed, correct answer (3) failed, polite (2) and confirmed (2) passed,
    # message (1) not applicable, closing (1) passed: 7 of 10
    verdicts |= {"item-greeting": "pass", "item-correct_answer": "fail", "item-message": "na"}
    saved = client.post(
        url, data={**verdicts, "csrf_token": token, "coaching_notes": "回答の確認を"}
    )
    assert saved.status_code == 302
    [done] = [r for r in sampled(app) if r.id == review.id]
    assert (done.status, done.score, done.critical_failed) == ("reviewed", 70.0, False)
    verdicts["item-personal_data"] = "fail"
    client.post(url, data={**verdicts, "csrf_token": token})
    [failed] = [r for r in sampled(app) if r.id == review.id]
    assert (failed.score, failed.critical_failed) == (0.0, True)


@pytest.mark.usefixtures("week_of_calls")
def test_operators_see_their_own_evaluations_only(app: Flask) -> None:
    client = supervisor_client(app)
    review = first_review(app)
    url = f"/staff/quality/{review.shop_id}/{review.id}"
    verdicts = {f"item-{key}": "pass" for key in SHARED}
    verdicts |= {"item-greeting": "pass", "item-correct_answer": "pass"}
    client.post(
        url,
        data={
            **verdicts,
            "csrf_token": csrf_token(client, url),
            "coaching_notes": "とても丁寧です",
        },
    )
    op1, op2 = app.test_client(), app.test_client()
    log_in(op1, "op1@answering.example.jp", PASSWORD)
    log_in(op2, "op2@answering.example.jp", PASSWORD)
    mine = op1.get("/console/evaluations").get_data(as_text=True)
    assert "とても丁寧です" in mine
    assert "100.0" in mine
    assert "とても丁寧です" not in op2.get("/console/evaluations").get_data(as_text=True)
    for other in (op1, op2):
        assert other.get(url).status_code == 404
        assert other.get(url + "/recording.mp3").status_code == 404
        assert other.get("/staff/quality/").status_code == 404
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    assert owner.get(url).status_code == 404
    assert owner.get("/console/evaluations").status_code == 404
    trends = client.get("/staff/quality/trends").get_data(as_text=True)
    per_operator = trends[trends.index('data-testid="trends-operator"') :]
    assert "100.0 (1)" in per_operator
    per_shop = trends[trends.index('data-testid="trends-shop"') :]
    assert "100.0 (1)" in per_shop


@pytest.mark.usefixtures("week_of_calls")
def test_another_shops_id_in_the_address_is_not_found(app: Flask) -> None:
    client = supervisor_client(app)
    review = first_review(app)
    with system(app) as session:
        beta = session.scalars(select(Shop).where(Shop.slug == "beta")).one().id
    assert client.get(f"/staff/quality/{beta}/{review.id}").status_code == 404
    assert client.get(f"/staff/quality/not-an-id/{review.id}").status_code == 404


@pytest.mark.usefixtures("week_of_calls")
def test_forms_without_the_csrf_token_change_nothing(app: Flask) -> None:
    client = supervisor_client(app)
    review = first_review(app)
    verdicts = {f"item-{key}": "pass" for key in SHARED}
    saved = client.post(f"/staff/quality/{review.shop_id}/{review.id}", data=verdicts)
    assert saved.status_code == 400
    assert client.post("/staff/quality/plan", data={"sample_size": "9"}).status_code == 400
    assert [r.status for r in sampled(app) if r.id == review.id] == ["to_review"]


def test_the_list_narrows_to_one_operator(app: Flask, week_of_calls: dict[str, uuid.UUID]) -> None:
    client = supervisor_client(app)
    with system(app):
        quality.sample_week(WEEK, size=2)
    mine = client.get(f"/staff/quality/?operator={week_of_calls['op2']}").get_data(as_text=True)
    assert mine.count("評価する</a>") == 2
    everyone = client.get("/staff/quality/").get_data(as_text=True)
    assert everyone.count("評価する</a>") == 4
    assert f"<td>{WEEK.month}月{WEEK.day}日(月)</td>" in everyone  # the week's Monday, not ISO
    assert client.get("/staff/quality/?operator=nobody").status_code == 404
