"""The shop's inbox: owners and members read their shop's messages (read/unread, search, filters,
reply notes); another shop's messages and inbox are 404; only owners see the delivery log."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tenants import services
from tenants.models import Shop, ShopRole
from tests.answering.calls import answered_call, file, messages_of, operator, two_shops
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD

INBOX = "/shops/alpha/messages/"


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    log_in(client, email, PASSWORD)
    return client


def three_messages(app: Flask) -> None:
    _, console = operator(app)
    answered_call(app, app.test_client(), sid="CA1")
    file(
        console,
        "CA1",
        category="order",
        field_name="ヤマダ",
        field_order_number="HZ-1001",
        body="配送日の確認",
    )
    answered_call(app, app.test_client(), sid="CA2", digit="2")
    file(console, "CA2", disposition="return_exchange", category="return", body="サイズ交換")
    answered_call(app, app.test_client(), sid="CA3")
    file(console, "CA3", disposition="sales", field_name="", body="広告の営業")


def rows(client: FlaskClient, query: str = "") -> str:
    page = client.get(INBOX + query)
    assert page.status_code == 200
    return page.get_data(as_text=True).split('data-testid="inbox"')[1]


def test_the_inbox_lists_searches_and_filters(app: Flask) -> None:
    shops = two_shops(app)
    three_messages(app)
    owner = signed_in(app, shops.alpha["email"])
    listed = rows(owner)
    assert all(word in listed for word in ("配送日の確認", "サイズ交換", "広告の営業"))
    assert "未読 3件" in owner.get(INBOX).get_data(as_text=True)
    dashboard = owner.get("/shops/alpha/").get_data(as_text=True)
    assert 'data-testid="inbox-card"' in dashboard
    assert "未読 3件" in dashboard
    card = dashboard.split('data-testid="inbox-card"')[1].split("</div>")[0]
    assert card.count('<a href="/shops/alpha/messages/') == 4  # each of the 3 latest, and all
    assert "090-1234-5678" in card
    # Search folds width and kana; numbers are found as people write them.
    assert "配送日の確認" in rows(owner, "?q=やまだ")
    assert "サイズ交換" not in rows(owner, "?q=やまだ")
    assert "配送日の確認" in rows(owner, "?q=090-1234-5678")
    assert "配送日の確認" in rows(owner, "?q=09012345678")
    assert "配送日の確認" in rows(owner, "?q=hz1001")
    assert "サイズ交換" not in rows(owner, "?q=HZ-1001")
    nothing = rows(owner, "?q=存在しない言葉")
    assert "条件に合う伝言はありません。" in nothing  # not "no messages yet"
    assert "すべての伝言を表示" in nothing
    assert "伝言はまだありません" not in nothing
    urgent = rows(owner, "?urgency=urgent")
    assert "サイズ交換" in urgent
    assert "配送日の確認" not in urgent
    assert "広告の営業" in rows(owner, "?category=sales")
    assert "広告の営業" not in rows(owner, "?category=shop:order")
    assert "配送日の確認" in rows(owner, "?category=shop:order")
    assert "配送日の確認" not in rows(owner, "?from=2000-01-01&to=2000-01-31")
    search = owner.get(INBOX).get_data(as_text=True)
    assert '開始日 <input type="date" name="from"' in search  # a day, not 接続元 (an address)
    assert '終了日 <input type="date" name="to"' in search
    assert "接続元" not in search
    bad_date = owner.get(INBOX + "?from=yesterday").get_data(as_text=True)
    assert "日付は 2026-11-24 の形式で入力してください" in bad_date
    assert "配送日の確認" in bad_date


def test_opening_a_message_marks_it_read_and_notes_are_kept(app: Flask) -> None:
    shops = two_shops(app)
    three_messages(app)
    message = next(m for m in messages_of(app, "alpha") if m.body == "配送日の確認")
    owner = signed_in(app, shops.alpha["email"])
    page = owner.get(f"{INBOX}{message.id}").get_data(as_text=True)
    assert "ヤマダ" in page
    assert "090-1234-5678" in page
    assert "配送日の確認" not in rows(owner, "?status=unread")
    assert "配送日の確認" in rows(owner, "?status=read")
    token = csrf_token(owner, f"{INBOX}{message.id}")
    empty = owner.post(f"{INBOX}{message.id}/notes", data={"body": " ", "csrf_token": token})
    assert empty.status_code == 400
    assert "メモを入力してください" in empty.get_data(as_text=True)
    owner.post(
        f"{INBOX}{message.id}/notes", data={"body": "15時に折り返し済み", "csrf_token": token}
    )
    assert "15時に折り返し済み" in owner.get(f"{INBOX}{message.id}").get_data(as_text=True)
    owner.post(f"{INBOX}{message.id}/unread", data={"csrf_token": token})
    assert "配送日の確認" in rows(owner, "?status=unread")


def test_members_read_the_inbox_but_only_owners_see_deliveries(app: Flask) -> None:
    shops = two_shops(app)
    three_messages(app)
    with system(app):
        shop = system_shop("alpha")
        member = services.create_user(
            email="staff@alpha.example.jp", display_name="店員", password=PASSWORD
        )
        services.add_member(shop, member, ShopRole.MEMBER)
    message = messages_of(app, "alpha")[0]
    client = signed_in(app, "staff@alpha.example.jp")
    page = client.get(f"{INBOX}{message.id}").get_data(as_text=True)
    assert message.body in page
    assert 'data-testid="delivery-log"' not in page
    owner_page = signed_in(app, shops.alpha["email"]).get(f"{INBOX}{message.id}")
    assert 'data-testid="delivery-log"' in owner_page.get_data(as_text=True)


def system_shop(slug: str) -> Shop:
    from tenants.db import db

    return db.session.scalars(select(Shop).where(Shop.slug == slug)).one()


def test_another_shop_never_sees_these_messages(app: Flask) -> None:
    shops = two_shops(app)
    three_messages(app)
    message = messages_of(app, "alpha")[0]
    beta = signed_in(app, shops.beta["email"])
    assert beta.get(INBOX).status_code == 404
    assert beta.get(f"{INBOX}{message.id}").status_code == 404
    assert beta.get(f"/shops/beta/messages/{message.id}").status_code == 404
    assert "配送日の確認" not in rows_of(beta, "/shops/beta/messages/")
    token = csrf_token(beta, "/shops/beta/messages/")
    note = beta.post(
        f"/shops/beta/messages/{message.id}/notes", data={"body": "x", "csrf_token": token}
    )
    assert note.status_code == 404
    assert beta.get("/shops/beta/messages/not-an-id").status_code == 404


def rows_of(client: FlaskClient, path: str) -> str:
    return client.get(path).get_data(as_text=True)


def test_the_shop_menu_leads_to_its_calls_messages_and_faxes(app: Flask) -> None:
    shops = two_shops(app)
    owner = signed_in(app, shops.alpha["email"])
    for path in ("/shops/alpha/", "/shops/alpha/coverage/"):
        page = owner.get(path).get_data(as_text=True)
        menu = page[page.index('<nav class="topnav"') : page.index("</nav>")]
        for href, label in (("calls/", "着信履歴"), ("messages/", "伝言"), ("faxes/", "FAX")):
            assert f'<a href="/shops/alpha/{href}">{label}</a>' in menu
    assert owner.get("/shops/alpha/calls/").status_code == 200
    faxes = owner.get("/shops/alpha/faxes/").get_data(as_text=True)
    assert "FAX番号をお持ちでない場合は「電話番号」のページでお借りください。" in faxes


def test_a_day_no_one_means_is_left_out_with_a_message_not_an_error(app: Flask) -> None:
    shops = two_shops(app)
    three_messages(app)
    owner = signed_in(app, shops.alpha["email"])
    for day in ("0001-01-01", "9999-12-31"):
        page = rows(owner, f"?from={day}&to={day}")
        assert "配送日の確認" in page  # the day was left out, every message is there
        whole = owner.get(f"{INBOX}?from={day}").get_data(as_text=True)
        assert "2000年から2200年までの日付を入力してください" in whole
