"""The shop's call list (着信履歴): fifty calls a page, newest first, filtered by day (Asia/Tokyo),
by result and by caller, with a count line; bad filters get a message or the nearest page, never an error;
another shop's calls never show."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from answering.models import Call
from tenants.db import new_id
from tenants.models import StaffRole
from tests.conftest import log_in, system
from tests.factories import PASSWORD, make_shop, make_staff

CALLS = "/shops/alpha/calls/"
# 2026-03-02 12:00 in Tokyo; the alpha calls arrive one every ten minutes before it.
NOON = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
BETA_CALLER = "+81311112222"  # shown as 03-1111-2222


def add_calls(
    app: Flask, shop_id: str, count: int, caller: str | None = None, **fields: str
) -> None:
    """`count` calls to the shop, the newest at noon on 2 March (Tokyo), ten minutes apart; each
    alpha caller's number ends in the call's place in the list (0001 the newest)."""
    with system(app) as session:
        for place in range(1, count + 1):
            session.add(
                Call(
                    id=new_id(),
                    shop_id=uuid.UUID(shop_id),
                    call_sid=f"CA{uuid.uuid4().hex}",
                    from_number=caller or f"+8190{10000000 + place}",
                    to_number="+81345000001",
                    arrived_at=NOON - timedelta(minutes=10 * (place - 1)),
                    in_coverage=True,
                    outcome=fields.get("outcome", "answered"),
                    carrier_status="completed",
                )
            )


def owner_of(app: Flask, shop: dict[str, str]) -> FlaskClient:
    client = app.test_client()
    log_in(client, shop["email"], PASSWORD)
    return client


def listed(client: FlaskClient, query: str = "") -> str:
    response = client.get(CALLS + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def rows(page: str) -> list[str]:
    """The callers' numbers of the listed calls, in order."""
    return re.findall(r'data-testid="call-row"><td>[^<]*</td><td>([^<]*)</td>', page)


def count_line(page: str) -> str:
    found = re.search(r'data-testid="call-count">([^<]*)<', page)
    return found.group(1) if found else ""


def pager_links(page: str) -> dict[str, str]:
    """The pager's links by their words (前へ/次へ), with `&amp;` read as `&`."""
    return {
        word: href.replace("&amp;", "&")
        for href, word in re.findall(r'<a href="([^"]+)" rel="(?:prev|next)">([^<]+)</a>', page)
    }


@pytest.fixture
def shops(app: Flask) -> tuple[dict[str, str], dict[str, str]]:
    alpha, beta = make_shop(app, "alpha"), make_shop(app, "beta")
    add_calls(app, alpha["shop_id"], 123)
    add_calls(app, beta["shop_id"], 60, caller=BETA_CALLER)
    return alpha, beta


def test_the_list_shows_fifty_calls_a_page_with_a_count_and_previous_next(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]]
) -> None:
    owner = owner_of(app, shops[0])
    first = listed(owner)
    assert count_line(first) == "全123件中 1〜50件"
    assert rows(first)[0] == "090-1000-0001"  # the newest first
    assert len(rows(first)) == 50
    assert pager_links(first) == {"次へ": CALLS + "?page=2"}
    assert "1 / 3 ページ" in first
    second = listed(owner, "?page=2")
    assert count_line(second) == "全123件中 51〜100件"
    assert rows(second)[0] == "090-1000-0051"
    assert pager_links(second) == {"前へ": CALLS + "?page=1", "次へ": CALLS + "?page=3"}
    last = listed(owner, "?page=3")
    assert count_line(last) == "全123件中 101〜123件"
    assert rows(last)[-1] == "090-1000-0123"  # the oldest call is no longer hidden
    assert pager_links(last) == {"前へ": CALLS + "?page=2"}


@pytest.mark.parametrize(
    ("query", "shown", "message"),
    [
        ("?page=", 1, None),
        ("?page=２", 2, None),
        ("?page=abc", 1, "「abc」はページ番号ではありません"),
        ("?page=0", 1, "「0」はページ番号ではありません"),
        ("?page=-2", 1, "「-2」はページ番号ではありません"),
        ("?page=1.5", 1, "「1.5」はページ番号ではありません"),
        ("?page=4", 3, "4ページ目はありません（全3ページ）。最後のページを表示しています。"),
        ("?page=" + "9" * 30, 1, "ページ番号ではありません"),
    ],
)
def test_a_page_that_does_not_exist_shows_the_nearest_one_and_says_so(
    app: Flask,
    shops: tuple[dict[str, str], dict[str, str]],
    query: str,
    shown: int,
    message: str | None,
) -> None:
    page = listed(owner_of(app, shops[0]), query)
    assert f"{shown} / 3 ページ" in page
    assert count_line(page).startswith("全123件中 ")
    problems = re.findall(r'data-testid="filter-problem">([^<]*)<', page)
    if message is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert message in problems[0]


def test_days_are_tokyo_days_and_the_pager_keeps_the_filters(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]]
) -> None:
    owner = owner_of(app, shops[0])
    # Noon on 2 March back to midnight is 73 calls; 1 March 23:50 (14:50 UTC) is the 74th.
    today = listed(owner, "?from=2026-03-02&to=2026-03-02")
    assert count_line(today) == "全73件中 1〜50件"
    assert pager_links(today) == {"次へ": CALLS + "?page=2&from=2026-03-02&to=2026-03-02"}
    rest = listed(owner, "?page=2&from=2026-03-02&to=2026-03-02")
    assert rows(rest)[-1] == "090-1000-0073"
    assert 'name="from" value="2026-03-02"' in rest
    before = listed(owner, "?to=2026-03-01")
    assert count_line(before) == "全50件中 1〜50件"
    assert rows(before)[0] == "090-1000-0074"
    assert 'data-testid="pager"' not in before


def test_the_result_filter_uses_the_result_words(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]]
) -> None:
    alpha = shops[0]
    add_calls(app, alpha["shop_id"], 2, caller="+81312345678", outcome="after_hours_message")
    add_calls(app, alpha["shop_id"], 1, caller="+81398765432", outcome="abandoned")
    owner = owner_of(app, alpha)
    everything = listed(owner)
    assert count_line(everything) == "全126件中 1〜50件"
    for label in ("応対済み", "時間外の伝言", "お客様が切断"):
        assert label in everything.split('name="outcome"')[1].split("</select>")[0]
    messages = listed(owner, "?outcome=after_hours_message")
    assert count_line(messages) == "全2件中 1〜2件"
    assert rows(messages) == ["03-1234-5678", "03-1234-5678"]
    assert '<option value="after_hours_message" selected>' in messages
    assert rows(listed(owner, "?outcome=abandoned&from=2026-03-02")) == ["03-9876-5432"]
    nonsense = listed(owner, "?outcome=nonsense")
    assert count_line(nonsense) == "全126件中 1〜50件"
    assert "結果は一覧から選んでください。" in nonsense


def add_callback(app: Flask, shop_id: str, customer: str, outcome: str = "answered") -> None:
    """Our callback from the shop's number to `customer`, placed an hour after noon."""
    with system(app) as session:
        session.add(
            Call(
                id=new_id(),
                shop_id=uuid.UUID(shop_id),
                call_sid=f"CA{uuid.uuid4().hex}",
                direction="outbound",
                from_number="+81345000001",
                to_number=customer,
                arrived_at=NOON + timedelta(hours=1),
                in_coverage=True,
                outcome=outcome,
                carrier_status="completed",
            )
        )


def test_the_caller_filter_finds_a_callers_calls_and_our_callbacks_to_them(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]]
) -> None:
    alpha = shops[0]
    add_calls(app, alpha["shop_id"], 3, caller="+819011112222")
    add_callback(app, alpha["shop_id"], "+819011112222")
    owner = owner_of(app, alpha)
    page = listed(owner, "?caller=090-1111-2222")
    assert count_line(page) == "全4件中 1〜4件"
    assert "（こちらから折り返し）" in page
    assert rows(page) == ["090-1111-2222"] * 3  # and the callback, whose cell says so
    assert 'name="caller" value="090-1111-2222"' in page
    assert count_line(listed(owner, "?caller=09011112222&outcome=answered")) == "全4件中 1〜4件"
    # Our shop's own number placed the callback; it is no caller of the shop.
    assert "条件に合う着信はありません。" in listed(owner, "?caller=03-4500-0001")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0001", ["090-1000-0001"]),
        ("1000-0012", ["090-1000-0012"]),
        ("０１２３", ["090-1000-0123"]),
        ("1000 0005", ["090-1000-0005"]),
        ("090-1000-0005", ["090-1000-0005"]),
        ("8888", []),
    ],
)
def test_a_caller_is_found_by_the_last_digits_of_the_number(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]], typed: str, expected: list[str]
) -> None:
    page = listed(owner_of(app, shops[0]), f"?caller={quote(typed)}")
    assert rows(page) == expected
    assert f'name="caller" value="{typed}"' in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("98", "発信者番号は 090-1234-5678 のように番号全体か、下4桁以上を入力してください。"),
        ("abc", "「abc」では検索していません"),
    ],
)
def test_a_caller_that_is_no_number_keeps_the_text_and_says_why(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]], typed: str, message: str
) -> None:
    page = listed(owner_of(app, shops[0]), f"?caller={typed}")
    assert message in page
    assert f'name="caller" value="{typed}"' in page
    assert count_line(page) == "全123件中 1〜50件"


def test_the_pager_keeps_the_caller(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]]
) -> None:
    alpha = shops[0]
    add_calls(app, alpha["shop_id"], 55, caller="+819011112222")
    page = listed(owner_of(app, alpha), "?caller=090-1111-2222")
    assert count_line(page) == "全55件中 1〜50件"
    assert pager_links(page) == {"次へ": CALLS + "?page=2&caller=090-1111-2222"}


def test_another_shops_caller_is_not_found(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]]
) -> None:
    alpha, beta = shops
    page = listed(owner_of(app, alpha), "?caller=03-1111-2222")
    assert rows(page) == []
    assert "条件に合う着信はありません。" in page
    theirs = listed_as(owner_of(app, beta), "/shops/beta/calls/?caller=090-1000-0001")
    assert rows(theirs) == []
    assert owner_of(app, alpha).get("/shops/beta/calls/?caller=03-1111-2222").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=2026-02-30", "2026-02-30 という日付はありません（この条件は使いませんでした）。"),
        ("?from=2026-13-01", "2026-13-01 という日付はありません"),
        ("?to=2026/02/29", "2026/02/29 という日付はありません"),
        ("?to=2026年2月30日", "2026年2月30日 という日付はありません"),
        ("?to=yesterday", "日付は 2026-11-24 の形式で入力してください"),
        ("?to=2026.03.02", "日付は 2026-11-24 の形式で入力してください"),
        ("?to=2026-03/02", "日付は 2026-11-24 の形式で入力してください"),
        ("?from=0001-01-01", "2000年から2200年までの日付を入力してください"),
        ("?to=9999-12-31", "2000年から2200年までの日付を入力してください"),
        ("?outcome=bogus", "結果は一覧から選んでください。"),
        ("?caller=12", "下4桁以上を入力してください。"),
    ],
)
def test_a_bad_filter_is_left_out_with_a_message(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]], query: str, message: str
) -> None:
    page = listed(owner_of(app, shops[0]), query)
    assert message in page
    assert count_line(page) == "全123件中 1〜50件"


@pytest.mark.parametrize(
    "typed",
    ["2026-03-02", "2026/03/02", "2026/3/2", "2026年3月2日", "2026年3月2", "２０２６／０３／０２"],
)
def test_a_day_is_read_as_people_write_it(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]], typed: str
) -> None:
    page = listed(owner_of(app, shops[0]), f"?from={quote(typed)}&to={quote(typed)}")
    assert count_line(page) == "全73件中 1〜50件"
    assert 'data-testid="filter-problem"' not in page
    assert 'name="from" value="2026-03-02"' in page  # the date input shows it its own way
    assert 'name="to" value="2026-03-02"' in page


def test_an_end_before_the_start_is_swapped_with_a_message(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]]
) -> None:
    page = listed(owner_of(app, shops[0]), "?from=2026-03-02&to=2026-03-01")
    assert "終了日が開始日より前だったため、入れ替えて表示しています。" in page
    assert count_line(page) == "全123件中 1〜50件"
    assert 'name="from" value="2026-03-01"' in page


def talk_column(page: str, header: str = "通話時間") -> list[str]:
    """The talk time of each listed call, read under the column's header."""
    table = page.split("<thead>")[1]
    headers = re.findall(r"<th>([^<]*)</th>", table.split("</thead>")[0])
    column = headers.index(header)
    found = []
    for row in table.split('data-testid="call-row"')[1:]:
        cells = re.findall(r"<td>(.*?)</td>", row.split("</tr>")[0], re.S)
        found.append(re.sub(r"<[^>]+>", "", cells[column]).strip())
    return found


def test_talk_time_is_from_the_answer_to_the_end_in_both_lists(app: Flask) -> None:
    """The carrier's duration counts the voice menu, the queue and the ringing: a caller who asked
    for a callback talked to nobody, and an answered caller talked from the answer to the end."""
    shop = make_shop(app, "alpha")
    with system(app) as session:
        for place, (answered_after, ended_after, carrier_s, callback) in enumerate(
            [(40, 135, 136, False), (None, 30, 1, True), (None, 20, 21, False)]
        ):
            arrived = NOON - timedelta(minutes=place)
            session.add(
                Call(
                    id=new_id(),
                    shop_id=uuid.UUID(shop["shop_id"]),
                    call_sid=f"CA{uuid.uuid4().hex}",
                    from_number=f"+8190{20000000 + place}",
                    to_number="+81345000001",
                    arrived_at=arrived,
                    queued_at=arrived + timedelta(seconds=10),
                    answered_at=arrived + timedelta(seconds=answered_after)
                    if answered_after
                    else None,
                    ended_at=arrived + timedelta(seconds=ended_after),
                    callback_requested_at=arrived + timedelta(seconds=25) if callback else None,
                    in_coverage=True,
                    outcome="answered"
                    if answered_after
                    else ("callback" if callback else "abandoned"),
                    carrier_status="completed",
                    duration_s=carrier_s,
                )
            )
    owners = listed(owner_of(app, shop))
    assert talk_column(owners) == ["1:35", "—", "—"]
    staff = make_staff(app, StaffRole.SUPERVISOR)
    supervisor = app.test_client()
    log_in(supervisor, staff["email"], PASSWORD)
    staffs = listed_as(supervisor, "/staff/calls/")
    assert talk_column(staffs) == talk_column(owners)


def test_no_match_says_so_and_offers_every_call(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]]
) -> None:
    page = listed(owner_of(app, shops[0]), "?from=2025-01-01&to=2025-01-31")
    assert rows(page) == []
    assert "条件に合う着信はありません。" in page
    assert f'<a href="{CALLS}">すべての着信を表示</a>' in page
    assert 'data-testid="call-count"' not in page
    assert 'data-testid="pager"' not in page


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?page=2",
        "?page=99",
        "?from=2026-03-02",
        "?from=2000-01-01&to=2200-12-31",
        "?outcome=answered&page=3",
        "?from=bad&to=2026-03-01",
    ],
)
def test_another_shops_calls_never_appear(
    app: Flask, shops: tuple[dict[str, str], dict[str, str]], query: str
) -> None:
    alpha, beta = shops
    page = listed(owner_of(app, alpha), query)
    assert "03-1111-2222" not in page
    assert count_line(page).startswith("全")  # alpha's own calls are listed
    assert owner_of(app, alpha).get("/shops/beta/calls/" + query).status_code == 404
    assert "090-1000-" not in listed_as(owner_of(app, beta), "/shops/beta/calls/" + query)


def listed_as(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_number_of_queries_does_not_grow_with_the_rows(app: Flask) -> None:
    from tenants.db import db

    few, many = make_shop(app, "alpha"), make_shop(app, "beta")
    add_calls(app, few["shop_id"], 3)
    add_calls(app, many["shop_id"], 50)
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            sent.append(statement)

    def statements(request: Callable[[], str]) -> int:
        sent.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            request()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(sent)

    small, large = owner_of(app, few), owner_of(app, many)
    listed(small)  # each client's first page warms what a session caches
    listed_as(large, "/shops/beta/calls/")
    assert rows(listed_as(large, "/shops/beta/calls/")).__len__() == 50
    assert statements(lambda: listed(small)) == statements(
        lambda: listed_as(large, "/shops/beta/calls/")
    )
