"""The staff's call records: every shop's calls, newest first, filtered and paged; one call's page
with its timestamps, recording, control log and message; supervisors and admins only."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from answering.models import Call, CallControl, Message
from tenants.coverage.services import TOKYO
from tenants.db import db, new_id
from tenants.models import Shop, StaffRole
from tenants.storage import store
from tests.conftest import log_in, system
from tests.factories import PASSWORD, make_shop, make_staff

ARRIVED = datetime(2026, 11, 24, 10, 0, 5, tzinfo=TOKYO)


def add_call(
    session: Any,
    shop_id: uuid.UUID,
    arrived: datetime,
    outcome: str,
    caller: str = "+819012345678",
    *,
    wait: int = 0,
    talk: int = 0,
    **fields: Any,
) -> Call:
    """A call that arrived at `arrived`, queued 5 s later, waited `wait` seconds and (answered)
    talked `talk` seconds; `fields` set the call's other columns, or replace these."""
    queued = arrived + timedelta(seconds=5)
    answered = queued + timedelta(seconds=wait) if outcome == "answered" else None
    columns: dict[str, Any] = {
        "from_number": caller,
        "to_number": "+81345000001",
        "arrived_at": arrived,
        "queued_at": queued,
        "answered_at": answered,
        "ended_at": (answered or queued + timedelta(seconds=wait)) + timedelta(seconds=talk),
        "in_coverage": True,
        "outcome": outcome,
        "carrier_status": "completed",
    }
    call = Call(id=new_id(), shop_id=shop_id, call_sid=f"CA{uuid.uuid4().hex}", **columns | fields)
    session.add(call)
    return call


@pytest.fixture
def two_shops(app: Flask) -> dict[str, Any]:
    """alpha: a call answered by the operator (wait 12 s, talk 1:35, recorded) on 11月24日;
    beta: an abandoned call on 11月20日 and a withheld caller's short abandon on 11月22日."""
    make_shop(app, "alpha")
    make_shop(app, "beta")
    operator = make_staff(app, StaffRole.OPERATOR, "op@answering.example.jp")
    with system(app) as session:
        shops = {s.slug: s.id for s in session.scalars(select(Shop))}
        answered = add_call(
            session,
            shops["alpha"],
            ARRIVED,
            "answered",
            wait=12,
            talk=95,
            operator_id=uuid.UUID(operator["user_id"]),
            recording_key="recordings/alpha/call.mp3",
            script_version=3,
            menu_choice="サイズについて",
            after_call_work_s=40,
        )
        add_call(session, shops["beta"], ARRIVED - timedelta(days=4), "abandoned", "+81345001234")
        add_call(session, shops["beta"], ARRIVED - timedelta(days=2), "short_abandon", "anonymous")
        store(app).put("recordings/alpha/call.mp3", b"ID3" + bytes(997))
        return {"shops": shops, "operator": operator, "call_id": str(answered.id)}


def staff_client(app: Flask, role: StaffRole = StaffRole.SUPERVISOR) -> FlaskClient:
    staff = make_staff(app, role)
    client = app.test_client()
    log_in(client, staff["email"], PASSWORD)
    return client


def rows(page: str) -> list[str]:
    return page.split('data-testid="call-row"')[1:]


def test_the_list_shows_every_shops_calls_newest_first_in_japanese(
    app: Flask, two_shops: dict[str, Any]
) -> None:
    page = staff_client(app).get("/staff/calls/").get_data(as_text=True)
    found = rows(page)
    assert len(found) == 3
    first, second, third = found
    assert "2026年11月24日 10:00" in first
    assert "alpha shop" in first
    assert "090-1234-5678" in first
    assert "応対済み" in first
    assert "0:12" in first
    assert "1:35" in first
    assert "operator" in first
    assert "あり" in first
    assert "beta shop" in second
    assert "非通知" in second
    assert "すぐに切断" in second
    assert "03-4500-1234" in third
    assert "お客様が切断" in third
    assert "なし" in third
    assert '<div class="table-scroll"><table class="table" data-testid="staff-calls">' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("outcome=abandoned", ["03-4500-1234"]),
        ("from=2026-11-21&to=2026-11-23", ["非通知"]),
        ("from=2026-11-24", ["090-1234-5678"]),
        ("from=2026/11/24", ["090-1234-5678"]),
        ("from=2026年11月22日&to=2026年11月22日", ["非通知"]),
        ("to=2026-11-20", ["03-4500-1234"]),
        ("caller=09012345678", ["090-1234-5678"]),
        ("caller=%2B81+3-4500-1234", ["03-4500-1234"]),
        ("caller=０３４５００１２３４", ["03-4500-1234"]),
        ("caller=5678", ["090-1234-5678"]),
        ("caller=1234", ["03-4500-1234"]),
        ("caller=００-１２３４", ["03-4500-1234"]),
        ("caller=4500+1234", ["03-4500-1234"]),  # + is a space in a query string
        ("caller=0000", []),
    ],
)
def test_each_filter_narrows_the_list(
    app: Flask, two_shops: dict[str, Any], query: str, expected: list[str]
) -> None:
    page = staff_client(app).get(f"/staff/calls/?{query}")
    assert page.status_code == 200
    found = rows(page.get_data(as_text=True))
    assert len(found) == len(expected), query
    assert all(text in row for text, row in zip(expected, found, strict=True))


def test_shop_and_operator_filters_narrow_the_list(app: Flask, two_shops: dict[str, Any]) -> None:
    client = staff_client(app)
    beta_id = two_shops["shops"]["beta"]
    for given in (beta_id, "beta", "Beta", " beta "):
        beta = client.get("/staff/calls/", query_string={"shop": given}).get_data(as_text=True)
        assert len(rows(beta)) == 2, given
        assert "alpha shop" not in "".join(rows(beta))
        assert problems(beta) == []
        assert f'<option value="{beta_id}" selected>beta shop</option>' in beta
    operator = two_shops["operator"]["user_id"]
    theirs = client.get(f"/staff/calls/?operator={operator}").get_data(as_text=True)
    assert len(rows(theirs)) == 1
    assert "alpha shop" in rows(theirs)[0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-45", "2026-13-45 という日付はありません"),
        ("from=2026-02-30", "2026-02-30 という日付はありません"),
        ("to=24.11.2026", "日付は 2026-11-24 の形式で入力してください"),
        (
            "from=2026-11-24&to=2026-11-20",
            "終了日が開始日より前だったため、入れ替えて表示しています",
        ),
        (
            "shop=00000000-0000-4000-8000-000000000000",
            "そのショップはありません。",
        ),  # no shop has it
        ("shop=not-an-id", "そのショップはありません。"),
        ("shop=gamma", "そのショップはありません。"),
        ("operator=nobody", "そのオペレーターはいません。"),
        ("outcome=bogus", "結果は一覧から選んでください。"),
        (
            "caller=12",
            "発信者番号は 090-1234-5678 のように番号全体か、下4桁以上を入力してください。",
        ),
        ("caller=abc", "電話番号は数字で入力してください（ハイフンや空白は入れても構いません）。"),
    ],
)
def test_bad_filter_input_says_so_and_leaves_that_field_out(
    app: Flask, two_shops: dict[str, Any], query: str, message: str
) -> None:
    page = staff_client(app).get(f"/staff/calls/?{query}&page=x")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert message in text
    assert len(rows(text)) == 3


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("9801", None),
        ("090-1234-5678", None),
        ("98", "下4桁以上"),
        ("abc", "「abc」では検索していません"),
        ("090-12x4", "「090-12x4」では検索していません"),
    ],
)
def test_the_typed_caller_stays_in_the_box(
    app: Flask, two_shops: dict[str, Any], typed: str, message: str | None
) -> None:
    page = staff_client(app).get("/staff/calls/", query_string={"caller": typed})
    text = page.get_data(as_text=True)
    assert f'name="caller" value="{typed}"' in text
    if message is None:
        assert problems(text) == []
    else:
        assert message in problems(text)[0]
        assert len(rows(text)) == 3  # the caller was left out, every call shows


def test_a_callback_is_found_by_its_customers_number(app: Flask, two_shops: dict[str, Any]) -> None:
    with system(app) as session:
        add_call(
            session,
            two_shops["shops"]["alpha"],
            ARRIVED + timedelta(hours=1),
            "answered",
            "+81345000001",  # the shop's number placed it
            direction="outbound",
            to_number="+819077779801",
        )
    client = staff_client(app)
    for typed in ("9801", "090-7777-9801"):
        found = rows(client.get(f"/staff/calls/?caller={typed}").get_data(as_text=True))
        assert len(found) == 1, typed
        assert "090-7777-9801" in found[0]
        assert "（こちらから折り返し）" in found[0]
    assert rows(client.get("/staff/calls/?caller=0001").get_data(as_text=True)) == []


def test_paging_keeps_the_filters(app: Flask, two_shops: dict[str, Any]) -> None:
    alpha = two_shops["shops"]["alpha"]
    with system(app) as session:
        for n in range(54):
            add_call(session, alpha, ARRIVED - timedelta(minutes=n + 1), "abandoned")
    client = staff_client(app)
    first = client.get(f"/staff/calls/?shop={alpha}&caller=090-1234-5678").get_data(as_text=True)
    assert len(rows(first)) == 50
    assert "前へ" not in first
    assert f'href="/staff/calls/?page=2&amp;shop={alpha}&amp;caller=090-1234-5678"' in first
    second = client.get(f"/staff/calls/?page=2&shop={alpha}&caller=090-1234-5678")
    text = second.get_data(as_text=True)
    assert len(rows(text)) == 5
    assert "次へ" not in text
    assert all("alpha shop" in row for row in rows(text))
    assert f'href="/staff/calls/?page=1&amp;shop={alpha}&amp;caller=090-1234-5678"' in text


def count_line(page: str) -> str:
    found = re.search(r'data-testid="call-count">([^<]*)<', page)
    return found.group(1) if found else ""


def problems(page: str) -> list[str]:
    return re.findall(r'data-testid="filter-problem">([^<]*)<', page)


def test_the_list_counts_its_calls_and_pages_as_the_shops_own_list_does(
    app: Flask, two_shops: dict[str, Any]
) -> None:
    alpha = two_shops["shops"]["alpha"]
    with system(app) as session:
        for n in range(64):
            add_call(session, alpha, ARRIVED - timedelta(minutes=n + 1), "abandoned")
    client = staff_client(app)
    first = client.get("/staff/calls/").get_data(as_text=True)
    assert count_line(first) == "全67件中 1〜50件"
    assert "1 / 2 ページ" in first
    assert problems(first) == []
    last = client.get("/staff/calls/?page=2").get_data(as_text=True)
    assert count_line(last) == "全67件中 51〜67件"
    assert "2 / 2 ページ" in last
    assert len(rows(last)) == 17
    filtered = client.get("/staff/calls/?outcome=answered").get_data(as_text=True)
    assert count_line(filtered) == "全1件中 1〜1件"
    assert 'data-testid="pager"' not in filtered


@pytest.mark.parametrize(
    ("asked", "shown", "message"),
    [
        ("999", 2, "999ページ目はありません（全2ページ）。最後のページを表示しています。"),
        ("3", 2, "3ページ目はありません（全2ページ）。最後のページを表示しています。"),
        ("abc", 1, "「abc」はページ番号ではありません（ページは1から数えます）。"),
        ("0", 1, "「0」はページ番号ではありません"),
        ("-1", 1, "「-1」はページ番号ではありません"),
    ],
)
def test_a_page_that_does_not_exist_shows_the_nearest_one_and_says_so(
    app: Flask, two_shops: dict[str, Any], asked: str, shown: int, message: str
) -> None:
    alpha = two_shops["shops"]["alpha"]
    with system(app) as session:
        for n in range(64):
            add_call(session, alpha, ARRIVED - timedelta(minutes=n + 1), "abandoned")
    page = staff_client(app).get(f"/staff/calls/?page={asked}").get_data(as_text=True)
    assert f"{shown} / 2 ページ" in page
    assert len(rows(page)) == (50 if shown == 1 else 17)
    assert len(problems(page)) == 1
    assert message in problems(page)[0]
    if shown == 2:  # the way back leads to a page that exists
        assert 'href="/staff/calls/?page=1" rel="prev"' in page


def test_back_from_a_call_the_list_is_as_it_was_left(app: Flask, two_shops: dict[str, Any]) -> None:
    alpha = two_shops["shops"]["alpha"]
    with system(app) as session:
        for n in range(54):
            add_call(session, alpha, ARRIVED - timedelta(minutes=n + 1), "abandoned")
    client = staff_client(app)
    listed = client.get(f"/staff/calls/?page=2&shop={alpha}&outcome=abandoned")
    link = re.search(r'<tr data-testid="call-row"><td><a href="([^"]+)"', listed.get_data(True))
    assert link is not None
    opened = client.get(html.unescape(link.group(1))).get_data(as_text=True)
    back = re.search(r'<a href="([^"]+)" data-testid="back-to-list">', opened)
    assert back is not None
    assert html.unescape(back.group(1)) == (f"/staff/calls/?page=2&shop={alpha}&outcome=abandoned")
    # Only ever back to our own list, whatever the link was made to say.
    call_id = two_shops["call_id"]
    for given in ("https://evil.example/staff/calls/", "//evil.example/staff/calls/", "/login"):
        page = client.get(f"/staff/calls/{call_id}", query_string={"back": given})
        assert 'href="/staff/calls/" data-testid="back-to-list"' in page.get_data(as_text=True)


def test_the_call_page_shows_timestamps_recording_controls_and_message(
    app: Flask, two_shops: dict[str, Any]
) -> None:
    call_id, alpha = two_shops["call_id"], two_shops["shops"]["alpha"]
    supervisor = make_staff(app, StaffRole.SUPERVISOR, "sv@answering.example.jp")
    with system(app) as session:
        call = session.scalar(select(Call).where(Call.id == uuid.UUID(call_id)))
        call.transferred_to_id = uuid.UUID(supervisor["user_id"])
        for seconds, action, detail in (
            (30, "hold", None),
            (50, "resume", None),
            (60, "transfer", None),
            (80, "returned", "operator"),
        ):
            session.add(
                CallControl(
                    id=new_id(),
                    shop_id=alpha,
                    call_id=call.id,
                    action=action,
                    detail=detail,
                    at=call.answered_at + timedelta(seconds=seconds),
                )
            )
        session.add(
            Message(
                id=new_id(),
                shop_id=alpha,
                call_id=call.id,
                caller_number=call.from_number,
                disposition="product_question",
                body="Mサイズの在庫を知りたい",
            )
        )
    client = staff_client(app)
    page = client.get(f"/staff/calls/{call_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for shown in (
        "2026年11月24日 10:00:05",  # arrived
        "2026年11月24日 10:00:10",  # queued
        "2026年11月24日 10:00:22",  # answered
        "2026年11月24日 10:01:57",  # ended
        "0:12",
        "1:35",
        "0:40",  # after-call work
        "応対済み",
        "v3",
        "サイズについて",
        "supervisor",  # transferred to
        "商品の質問",
        "Mサイズの在庫を知りたい",
    ):
        assert shown in text, shown
    log = text[text.index('data-testid="control-log"') :]
    assert log.index("保留") < log.index("保留解除") < log.index("転送")
    assert "転送先が応答せず、operatorさんに戻りました" in log
    player = f'src="/staff/calls/{call_id}/recording.mp3" data-testid="recording"'
    assert player in text
    audio = client.get(f"/staff/calls/{call_id}/recording.mp3", headers={"Range": "bytes=0-2"})
    assert audio.status_code == 206
    assert audio.data == b"ID3"
    assert audio.headers["Content-Range"] == "bytes 0-2/1000"
    audio.close()


def test_a_call_without_recording_controls_or_message_says_so(
    app: Flask, two_shops: dict[str, Any]
) -> None:
    client = staff_client(app, StaffRole.ADMIN)
    page = client.get("/staff/calls/").get_data(as_text=True)
    beta_call = rows(page)[2].split('href="')[1].split('"')[0].split("?")[0]
    text = client.get(beta_call).get_data(as_text=True)
    assert "録音はありません" in text
    assert "伝言はありません" in text
    assert client.get(beta_call + "/recording.mp3").status_code == 404


def facts(page: str) -> dict[str, str]:
    """The call page's facts, label by label, tags stripped."""
    block = page.split('data-testid="call-facts">')[1].split("</dl>")[0]
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block, re.S)
    return {label: html.unescape(re.sub(r"<[^>]+>", "", value)) for label, value in pairs}


@pytest.mark.parametrize(
    ("status", "result"),
    [
        ("no-answer", "失敗（応答なし）"),
        ("busy", "失敗（話し中）"),
        ("failed", "失敗（通信事業者側で接続できませんでした）"),
        ("canceled", "失敗（応答前に取り消されました）"),
        ("completed", "失敗"),  # the carrier gave no reason
    ],
)
def test_our_callback_is_shown_as_a_call_we_placed_with_the_carriers_reason_it_failed(
    app: Flask, two_shops: dict[str, Any], status: str, result: str
) -> None:
    with system(app) as session:
        callback = add_call(
            session,
            two_shops["shops"]["alpha"],
            ARRIVED + timedelta(hours=1),
            "failed",
            "+81345000001",  # the shop's number placed it
            direction="outbound",
            queued_at=None,
            carrier_status=status,
            to_number="+819077779801",
        )
        call_id = callback.id
    shown = facts(staff_client(app).get(f"/staff/calls/{call_id}").get_data(as_text=True))
    assert shown["発信先"] == "090-7777-9801 （こちらから折り返し）"
    assert shown["発信元"] == "03-4500-0001"
    assert shown["発信日時"] == "2026年11月24日 11:00:05"
    for inbound in ("着信日時", "着信番号", "発信者", "待ち開始", "待ち時間"):
        assert inbound not in shown
    assert shown["結果"] == result
    assert shown["通話時間"] == "—"  # nobody answered


def test_an_inbound_call_that_failed_says_why_and_after_call_work_is_blank_only_unfiled(
    app: Flask, two_shops: dict[str, Any]
) -> None:
    with system(app) as session:
        alpha = two_shops["shops"]["alpha"]
        busy = add_call(session, alpha, ARRIVED, "failed", queued_at=None, carrier_status="busy")
        filed_in_talk = add_call(session, alpha, ARRIVED, "answered", talk=30, after_call_work_s=0)
        unfiled = add_call(session, alpha, ARRIVED, "answered", talk=30)
        ids = busy.id, filed_in_talk.id, unfiled.id
    client = staff_client(app)
    busy_page, filed_page, unfiled_page = (
        facts(client.get(f"/staff/calls/{call_id}").get_data(as_text=True)) for call_id in ids
    )
    assert busy_page["結果"] == "失敗（話し中）"
    assert busy_page["着信日時"] == "2026年11月24日 10:00:05"
    assert busy_page["発信者"] == "090-1234-5678"
    assert filed_page["後処理"] == "0:00"  # filed while talking: no after-call work at all
    # Only filing records the after-call work: a call never filed has none to show.
    assert unfiled_page["後処理"] == "—"


def test_unknown_or_malformed_call_ids_are_not_found(app: Flask, two_shops: dict[str, Any]) -> None:
    client = staff_client(app)
    assert client.get(f"/staff/calls/{uuid.uuid4()}").status_code == 404
    assert client.get("/staff/calls/not-a-call").status_code == 404
    assert client.get("/staff/calls/not-a-call/recording.mp3").status_code == 404


def test_operators_and_shop_owners_get_not_found(app: Flask, two_shops: dict[str, Any]) -> None:
    call_id = two_shops["call_id"]
    operator = app.test_client()
    log_in(operator, "op@answering.example.jp", PASSWORD)
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    for client in (operator, owner):
        for path in (
            "/staff/calls/",
            f"/staff/calls/{call_id}",
            f"/staff/calls/{call_id}/recording.mp3",
        ):
            assert client.get(path).status_code == 404, path


def test_the_supervisor_menu_links_the_call_records(app: Flask) -> None:
    page = staff_client(app).get("/staff/").get_data(as_text=True)
    assert 'href="/staff/calls/"' in page
    assert "通話記録" in page


def statements_of(app: Flask, request: Callable[[], object]) -> list[str]:
    with app.app_context():
        target = db.engine
    sent: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            sent.append(statement)

    event.listen(target, "before_cursor_execute", count)
    try:
        request()
    finally:
        event.remove(target, "before_cursor_execute", count)
    return sent


def test_the_lists_statements_do_not_grow_with_its_rows(
    app: Flask, two_shops: dict[str, Any]
) -> None:
    shops = two_shops["shops"]
    operator = uuid.UUID(two_shops["operator"]["user_id"])
    client = staff_client(app)

    def list_page() -> None:
        assert client.get("/staff/calls/").status_code == 200

    few = statements_of(app, list_page)
    with system(app) as session:
        for n in range(27):
            shop = shops["alpha"] if n % 2 else shops["beta"]
            add_call(
                session,
                shop,
                ARRIVED + timedelta(minutes=n),
                "answered",
                operator_id=operator,
                recording_key=f"recordings/{n}.mp3",
            )
    many = statements_of(app, list_page)
    assert len(many) == len(few), many
