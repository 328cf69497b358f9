"""Operators' states: set by the operator or a supervisor, each change logged with its time."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from scheduling.models import OperatorState, OperatorStateChange
from tenants.models import StaffRole
from tests.answering.calls import answered_call, operator, two_shops
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff


def operator_client(app: Flask) -> tuple[object, dict[str, str]]:
    operator = make_staff(app, StaffRole.OPERATOR)
    client = app.test_client()
    log_in(client, operator["email"], PASSWORD)
    return client, operator


def set_state(client: object, **data: str) -> object:
    return client.post(
        "/console/state",  # type: ignore[attr-defined]
        data={**data, "csrf_token": csrf_token(client, "/console")},
    )


def test_operator_goes_ready_takes_a_break_and_every_change_is_logged(app: Flask) -> None:
    client, _ = operator_client(app)
    assert "オフライン" in client.get("/console").get_data(as_text=True)
    set_state(client, state="ready")
    assert 'data-testid="my-state">受付可' in client.get("/console").get_data(as_text=True)
    set_state(client, state="break", reason="lunch")
    page = client.get("/console").get_data(as_text=True)
    assert "離席（昼食）" in page
    # The line the page redraws from its poll is the one it printed: the reason and the time kept.
    printed = page.split('data-testid="my-state">')[1].split("</p>")[0]
    assert client.get("/console/now").get_json()["state_line"] == printed
    assert printed.startswith("離席（昼食） — ")
    with system(app) as session:
        logged = session.scalars(
            select(OperatorStateChange.state).order_by(OperatorStateChange.at)
        ).all()
    assert logged == ["ready", "break"]


def test_a_break_needs_a_reason_and_on_call_comes_from_calls(app: Flask) -> None:
    client, _ = operator_client(app)
    set_state(client, state="break", reason="nap")
    assert "離席の理由を選んでください" in client.get("/console").get_data(as_text=True)
    set_state(client, state="on_call")
    assert "通話中は通話によって設定されます" in client.get("/console").get_data(as_text=True)


def test_supervisor_sees_and_changes_states(app: Flask) -> None:
    _, operator = operator_client(app)
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    client = app.test_client()
    log_in(client, supervisor["email"], PASSWORD)
    response = client.post(
        "/staff/operators",
        data={
            "operator_id": operator["user_id"],
            "state": "not_ready",
            "reason": "other",
            "csrf_token": csrf_token(client, "/staff/operators"),
        },
    )
    assert response.status_code == 302
    board = client.get("/staff/operators").get_data(as_text=True)
    assert "受付不可" in board


def test_the_board_starts_with_no_state_or_reason_and_refuses_a_break_without_one(
    app: Flask,
) -> None:
    _, operator = operator_client(app)
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    client = app.test_client()
    log_in(client, supervisor["email"], PASSWORD)
    board = client.get("/staff/operators").get_data(as_text=True)
    assert '<select name="state" required' in board
    assert '<option value="" selected>状態を選ぶ</option>' in board
    assert '<option value="" selected>理由を選ぶ</option>' in board
    table = board[board.index('data-testid="board"') :].split("</table>")[0]
    assert table.count(" selected>") == 2  # nothing else is chosen for the supervisor
    token = csrf_token(client, "/staff/operators")

    def change(**data: str) -> str:
        form = {"operator_id": operator["user_id"], "csrf_token": token, **data}
        return client.post("/staff/operators", data=form, follow_redirects=True).get_data(
            as_text=True
        )

    assert "operator: 離席の理由を選んでください。" in change(state="break", reason="")
    assert "operator: 変更後の状態を選んでください。" in change(state="", reason="")
    # refused: the board again, the choice kept in that operator's row, the reason beside it
    form = {"operator_id": operator["user_id"], "csrf_token": token, "state": "break"}
    refused = client.post("/staff/operators", data=form)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    row = html[: html.index('data-testid="refused"')].rsplit("<tr>", 1)[1]
    assert 'value="break" selected' in row
    assert operator["user_id"] in row
    with system(app) as session:
        assert session.scalars(select(OperatorStateChange)).all() == []
    assert "離席（会議）" in change(state="break", reason="meeting")
    console = operator_client_page(app, operator)
    assert '<select name="reason" required' in console
    assert '<option value="" selected>理由を選ぶ</option>' in console


def operator_client_page(app: Flask, operator: dict[str, str]) -> str:
    client = app.test_client()
    log_in(client, operator["email"], PASSWORD)
    return client.get("/console").get_data(as_text=True)


def test_console_and_board_are_for_their_roles_only(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    owner = app.test_client()
    log_in(owner, alpha["email"], PASSWORD)
    assert owner.get("/console").status_code == 404
    assert owner.get("/staff/operators").status_code == 404
    client, _ = operator_client(app)
    assert client.get("/staff/operators").status_code == 404


def test_state_names_follow_each_readers_language(app: Flask) -> None:
    """Shared labels are looked up per page, not frozen in whichever language was read first."""
    operator_client(app)
    for n, locale in enumerate(("en", "ja", "en")):
        supervisor = make_staff(app, StaffRole.SUPERVISOR, f"lead{n}@answering.example.jp")
        client = app.test_client()
        log_in(client, supervisor["email"], PASSWORD)
        token = csrf_token(client, "/staff/operators")
        client.post("/locale", data={"locale": locale, "csrf_token": token})
        board = client.get("/staff/operators").get_data(as_text=True).split("<tbody>")[1]
        if locale == "ja":
            assert "<td>オフライン</td>" in board
            assert ">Offline<" not in board
        else:
            assert "<td>Offline</td>" in board
            assert "オフライン" not in board


def current_state_buttons(page: str) -> list[str]:
    """The states of the buttons marked as the operator's current one (highlighted)."""
    return re.findall(
        r'data-state-button="([^"]+)" class="primary-inline" aria-current="true"', page
    )


def test_the_highlighted_state_button_is_the_operators_state_and_none_on_a_call(
    app: Flask,
) -> None:
    two_shops(app)
    _, console = operator(app)
    ready = console.get("/console").get_data(as_text=True)
    assert current_state_buttons(ready) == ["ready"]
    answered_call(app, app.test_client(), sid="CA1", end=False)
    on_call = console.get("/console").get_data(as_text=True)
    assert 'data-state="on_call"' in on_call
    assert current_state_buttons(on_call) == []  # 受付可 no longer pretends to be the state
    assert "primary-inline" not in on_call.split('data-state-button="ready"')[1].split(">")[0]
    with system(app) as session:  # the call ended: after-call work
        session.scalars(select(OperatorState)).one().state = "after_call_work"
    after = console.get("/console").get_data(as_text=True)
    assert 'data-state="after_call_work"' in after
    assert current_state_buttons(after) == ["after_call_work"]
