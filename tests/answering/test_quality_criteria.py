"""Supervisors manage the shared scorecard items (add, rename, reweight, mark critical, retire,
bring back) with clear refusals; a reviewed call keeps the items, names, weights and score it was
scored with; operators and shop owners never reach the page."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering import quality
from answering.quality_models import QaCriterion, QaReview
from tenants.models import StaffRole
from tests.answering.test_quality import (  # the fixture is used by name
    SHARED,
    WEEK,
    first_review,
    sampled,
    supervisor_client,
    week_of_calls,  # noqa: F401
)
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_staff

PAGE = "/staff/quality/criteria"


def items(app: Flask) -> dict[str, QaCriterion]:
    """The items by key, in use or retired."""
    with system(app) as session:
        found = {c.key: c for c in session.scalars(select(QaCriterion))}
        session.expunge_all()
        return found


def edit(client: FlaskClient, app: Flask, key: str, **data: str) -> object:
    item = items(app)[key]
    form = {"label": item.label, "weight": str(item.weight), "action": "save", **data}
    if item.critical and "critical" not in data:
        form["critical"] = "yes"
    form = {k: v for k, v in form.items() if v is not None}
    return client.post(f"{PAGE}/{item.id}", data={**form, "csrf_token": csrf_token(client, PAGE)})


def score_all_pass_but(client: FlaskClient, review: QaReview, **verdicts: str) -> None:
    url = f"/staff/quality/{review.shop_id}/{review.id}"
    form = {f"item-{key}": "pass" for key in SHARED} | {
        "item-greeting": "pass",
        "item-correct_answer": "pass",
    }
    form |= {f"item-{key}": verdict for key, verdict in verdicts.items()}
    saved = client.post(url, data={**form, "csrf_token": csrf_token(client, url)})
    assert saved.status_code == 302, saved.get_data(as_text=True)


@pytest.mark.usefixtures("week_of_calls")
def test_editing_the_items_never_changes_a_past_evaluation(app: Flask) -> None:
    client = supervisor_client(app)
    review = first_review(app)
    # greeting 2 + correct answer 3 + polite 2 + confirmed 2 + closing 1 passed, message (1)
    # failed: 10 of 11
    score_all_pass_but(client, review, message="fail")
    [scored] = [r for r in sampled(app) if r.id == review.id]
    assert scored.score == 90.9

    assert edit(client, app, "polite", label="お客様に寄り添う言葉遣い").status_code == 302
    assert edit(client, app, "confirmed", weight="5").status_code == 302
    assert edit(client, app, "closing", critical="yes").status_code == 302
    assert edit(client, app, "message", action="retire").status_code == 302
    added = client.post(
        PAGE,
        data={"label": "保留前に一言添えた", "weight": "3", "csrf_token": csrf_token(client, PAGE)},
    )
    assert added.status_code == 302
    assert "保留前に一言添えた" in client.get(PAGE).get_data(as_text=True)

    [after] = [r for r in sampled(app) if r.id == review.id]
    assert (after.score, after.items) == (scored.score, scored.items)
    url = f"/staff/quality/{review.shop_id}/{review.id}"
    page = client.get(url).get_data(as_text=True)
    assert "丁寧で明瞭な言葉遣い（敬語）" in page  # the name it was scored under
    assert "必要なときに漏れなく伝言を受けた" in page  # retired since, kept on this call
    assert "お客様に寄り添う言葉遣い" not in page
    assert "保留前に一言添えた" not in page
    # saving the same verdicts again scores with the call's own items and weights
    score_all_pass_but(client, review, message="fail")
    [again] = [r for r in sampled(app) if r.id == review.id]
    assert again.score == 90.9
    operator = app.test_client()
    log_in(operator, "op1@answering.example.jp", PASSWORD)
    mine = operator.get("/console/evaluations").get_data(as_text=True)
    assert "90.9" in mine
    assert "必要なときに漏れなく伝言を受けた" in mine

    # a call still to review is scored with today's items
    with system(app) as session:
        quality.sample_week(WEEK, size=3)
        waiting = session.scalars(
            select(QaReview).where(QaReview.status == "to_review", QaReview.script_version == 1)
        ).first()
        assert waiting is not None
        session.expunge(waiting)
    fresh = client.get(f"/staff/quality/{waiting.shop_id}/{waiting.id}").get_data(as_text=True)
    assert "お客様に寄り添う言葉遣い" in fresh
    assert "保留前に一言添えた" in fresh
    assert "必要なときに漏れなく伝言を受けた" not in fresh
    new_key = next(c.key for c in items(app).values() if c.label == "保留前に一言添えた")
    # greeting 2 + answer 3 + polite 2 + confirmed 5 + new 3 passed: closing (now critical) failed
    form = {f"item-{key}": "pass" for key in SHARED if key != "message"}
    form |= {"item-greeting": "pass", "item-correct_answer": "pass", f"item-{new_key}": "pass"}
    url = f"/staff/quality/{waiting.shop_id}/{waiting.id}"
    client.post(url, data={**form, "csrf_token": csrf_token(client, url)})
    [now_scored] = [r for r in sampled(app) if r.id == waiting.id]
    assert (now_scored.score, now_scored.critical_failed) == (100.0, False)
    form["item-closing"] = "fail"
    client.post(url, data={**form, "csrf_token": csrf_token(client, url)})
    [failed] = [r for r in sampled(app) if r.id == waiting.id]
    assert (failed.score, failed.critical_failed) == (0.0, True)


@pytest.mark.parametrize(
    ("weight", "label", "message"),
    [
        ("0", "新しい項目", "配点は1〜100の整数"),
        ("-2", "新しい項目", "配点は1〜100の整数"),
        ("1.5", "新しい項目", "配点は1〜100の整数"),
        ("たくさん", "新しい項目", "配点は1〜100の整数"),
        ("101", "新しい項目", "配点は1〜100の整数"),
        ("2", "   ", "項目名を入力してください"),
        ("2", "x" * 201, "200文字以内"),
        (
            "2",
            "丁寧で明瞭な言葉遣い（敬語）",
            "「丁寧で明瞭な言葉遣い（敬語）」という項目がすでにあります",
        ),
        ("2", " 丁寧で明瞭な言葉遣い(敬語) ", "すでにあります"),  # half-width brackets, spaces
    ],
)
def test_bad_items_are_refused_with_a_clear_message_and_nothing_saved(
    app: Flask, weight: str, label: str, message: str
) -> None:
    client = supervisor_client(app)
    before = items(app)
    refused = client.post(
        PAGE, data={"label": label, "weight": weight, "csrf_token": csrf_token(client, PAGE)}
    )
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    assert items(app).keys() == before.keys()
    renamed = edit(client, app, "polite", label="用件を確認し、要点を復唱した", weight="3")
    assert renamed.status_code == 400
    assert "すでにあります" in renamed.get_data(as_text=True)
    assert (items(app)["polite"].label, items(app)["polite"].weight) == (
        before["polite"].label,
        before["polite"].weight,
    )


def test_a_retired_name_may_be_used_again_and_a_retired_item_brought_back(app: Flask) -> None:
    client = supervisor_client(app)
    edit(client, app, "closing", action="retire")
    assert items(app)["closing"].retired_at is not None
    page = client.get(PAGE).get_data(as_text=True)
    retired = page[page.index('data-testid="retired"') :]
    assert "ショップ名で通話を締めくくった" in retired
    token = csrf_token(client, PAGE)
    reused = client.post(
        PAGE, data={"label": "ショップ名で通話を締めくくった", "weight": "2", "csrf_token": token}
    )
    assert reused.status_code == 302
    back = client.post(
        f"{PAGE}/{items(app)['closing'].id}", data={"action": "restore", "csrf_token": token}
    )
    assert back.status_code == 400
    assert "すでにあります" in back.get_data(as_text=True)
    assert items(app)["closing"].retired_at is not None
    edit(client, app, "polite", action="retire")
    client.post(
        f"{PAGE}/{items(app)['polite'].id}", data={"action": "restore", "csrf_token": token}
    )
    assert items(app)["polite"].retired_at is None


def test_only_supervisors_and_admins_reach_the_items(app: Flask) -> None:
    supervisor = supervisor_client(app)
    polite = items(app)["polite"]
    assert supervisor.get(PAGE).status_code == 200
    make_staff(app, StaffRole.ADMIN)
    admin = app.test_client()
    log_in(admin, "admin@answering.example.jp", PASSWORD)
    assert "丁寧で明瞭な言葉遣い（敬語）" in admin.get(PAGE).get_data(as_text=True)
    make_staff(app, StaffRole.OPERATOR, "op9@answering.example.jp")
    operator = app.test_client()
    log_in(operator, "op9@answering.example.jp", PASSWORD)
    token = csrf_token(supervisor, PAGE)
    assert operator.get(PAGE).status_code == 404
    assert operator.post(PAGE, data={"label": "x", "weight": "1"}).status_code in (400, 404)
    tried = operator.post(
        f"{PAGE}/{polite.id}",
        data={"label": "x", "weight": "9", "csrf_token": csrf_token(operator, "/console")},
    )
    assert tried.status_code == 404
    without_token = supervisor.post(f"{PAGE}/{polite.id}", data={"label": "x", "weight": "9"})
    assert without_token.status_code == 400
    assert supervisor.post(f"{PAGE}/{uuid.uuid4()}", data={"csrf_token": token}).status_code == 404
    assert supervisor.post(f"{PAGE}/nope", data={"csrf_token": token}).status_code == 404
    assert items(app)["polite"].label == polite.label


def test_every_change_to_the_items_is_in_the_audit_log(app: Flask) -> None:
    from tenants.models import AuditEvent

    client = supervisor_client(app)
    token = csrf_token(client, PAGE)
    client.post(PAGE, data={"label": "保留前に断った", "weight": "2", "csrf_token": token})
    added = next(c for c in items(app).values() if c.label == "保留前に断った")
    edit(client, app, added.key, weight="3")
    edit(client, app, added.key, action="retire")
    client.post(f"{PAGE}/{added.id}", data={"action": "restore", "csrf_token": token})
    refused = client.post(PAGE, data={"label": "", "weight": "2", "csrf_token": token})
    assert refused.status_code == 400
    with system(app) as session:
        logged = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target == added.key)
            .order_by(AuditEvent.at, AuditEvent.id)
        ).all()
        assert [(e.action, str(e.detail["weight"])) for e in logged] == [
            ("quality.criterion_added", "2"),
            ("quality.criterion_changed", "3"),
            ("quality.criterion_retired", "3"),
            ("quality.criterion_restored", "3"),
        ]


def test_retiring_and_bringing_back_use_the_same_words_everywhere(app: Flask) -> None:
    """廃止 and 復活: on the buttons, in the messages, on the retired list and in the audit log."""
    client = supervisor_client(app)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="retire" form="item-' in page
    assert "formnovalidate>廃止</button>" in page
    assert "使用終了" not in page
    done = edit(client, app, "closing", action="retire")
    page = client.get(done.headers["Location"]).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "「ショップ名で通話を締めくくった」を廃止しました。" in page
    assert "廃止した項目" in page
    assert 'value="restore">復活</button>' in page
    token = csrf_token(client, PAGE)
    back = client.post(
        f"{PAGE}/{items(app)['closing'].id}",
        data={"action": "restore", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "「ショップ名で通話を締めくくった」を復活しました。" in back
    make_staff(app, StaffRole.ADMIN)
    admin = app.test_client()
    log_in(admin, "admin@answering.example.jp", PASSWORD)
    audit = admin.get("/staff/audit").get_data(as_text=True)
    assert ">評価項目を廃止</td>" in audit
    assert ">評価項目を復活</td>" in audit
