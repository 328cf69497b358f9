"""Notification settings: validation, a signed test webhook received by a real HTTP server, mail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tenants.models import AuditEvent, User
from tenants.notifications import webhooks
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop
from tests.smtp import SmtpStandIn

PAGE = "/shops/alpha/notifications/"


class Receiver:
    """A shop's server: records each POST's body and signature header."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((body, self.headers[webhooks.SIGNATURE_HEADER]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def owner(app: Flask) -> FlaskClient:
    alpha = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, alpha["email"], PASSWORD)
    return client


def save(client: FlaskClient, **data: str) -> object:
    form = {
        "emails": "",
        "webhook_url": "",
        "mode_message": "instant",
        "mode_urgent": "instant",
        "mode_voicemail": "digest",
        "mode_fax": "off",
    }
    form.update(data)
    return client.post(PAGE, data={**form, "csrf_token": csrf_token(client, PAGE)})


def test_test_delivery_is_signed_and_mailed(
    app: Flask, receiver: Receiver, smtp: SmtpStandIn
) -> None:
    client = owner(app)
    assert (
        save(
            client, emails="shop@alpha.example.jp\nboss@alpha.example.jp", webhook_url=receiver.url
        ).status_code
        == 302
    )
    page = client.get(PAGE).get_data(as_text=True)
    assert "<th>種類</th><th>通知のタイミング</th>" in page  # how often, not a date (日時)
    secret = page.split('data-testid="webhook-secret">')[1].split("<")[0]
    client.post(PAGE + "test", data={"csrf_token": csrf_token(client, PAGE)})
    [(body, signature)] = receiver.received
    assert webhooks.verify(secret, body, signature)
    assert not webhooks.verify("whsec_wrong", body, signature)
    assert b'"type": "test"' in body
    assert sorted(m["To"] for m in smtp.messages) == [
        "boss@alpha.example.jp",
        "shop@alpha.example.jp",
    ]
    assert "HTTP 204" in client.get(PAGE).get_data(as_text=True)


def test_rotating_the_secret_changes_the_signature(app: Flask, receiver: Receiver) -> None:
    client = owner(app)
    save(client, webhook_url=receiver.url)
    before = client.get(PAGE).get_data(as_text=True).split('data-testid="webhook-secret">')[1]
    unconfirmed = client.post(
        PAGE + "secret", data={"csrf_token": csrf_token(client, PAGE)}, follow_redirects=True
    ).get_data(as_text=True)  # the shop's server would break at once: asked to confirm first
    assert "古いシークレットはすぐに使えなくなります" in unconfirmed
    kept = unconfirmed.split('data-testid="webhook-secret">')[1]
    assert before.split("<")[0] == kept.split("<")[0]
    client.post(PAGE + "secret", data={"csrf_token": csrf_token(client, PAGE), "confirm": "yes"})
    after = client.get(PAGE).get_data(as_text=True).split('data-testid="webhook-secret">')[1]
    assert before.split("<")[0] != after.split("<")[0]


def test_bad_settings_are_refused_and_nothing_changes(app: Flask) -> None:
    client = owner(app)
    save(client, emails="shop@alpha.example.jp")
    for data, message in (
        ({"emails": "not-mail"}, "メールアドレスではありません"),
        ({"emails": "\n".join(f"a{i}@x.jp" for i in range(6))}, "5件まで"),
        ({"webhook_url": "ftp://example.jp/x"}, "https://"),
        ({"mode_urgent": "digest"}, "緊急の伝言"),
    ):
        response = save(client, **data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True)
    assert "shop@alpha.example.jp" in client.get(PAGE).get_data(as_text=True)


def test_private_addresses_are_refused_outside_tests() -> None:
    with pytest.raises(ValueError, match="https"):
        webhooks.check_url("http://example.jp/hook", allow_private=False)
    with pytest.raises(ValueError, match="internet"):
        webhooks.check_url("https://127.0.0.1/hook", allow_private=False)
    with pytest.raises(ValueError, match="internet"):
        webhooks.check_url("https://10.1.2.3/hook", allow_private=False)


def test_stale_signatures_are_refused() -> None:
    header = webhooks.sign("whsec_x", b"{}", timestamp=1_000_000)
    assert webhooks.verify("whsec_x", b"{}", header, now=1_000_100)
    assert not webhooks.verify("whsec_x", b"{}", header, now=1_000_000 + 301)
    assert not webhooks.verify("whsec_x", b"{ }", header, now=1_000_100)


def test_other_shops_cannot_reach_the_settings(app: Flask) -> None:
    owner(app)
    beta = make_shop(app, "beta")
    other = app.test_client()
    log_in(other, beta["email"], PASSWORD)
    assert other.get(PAGE).status_code == 404


class TestApi:
    def test_put_and_get(self, app: Flask, client: FlaskClient, receiver: Receiver) -> None:
        from tests.tenants.test_api import bearer, token_for

        alpha = make_shop(app, "alpha")
        headers = bearer(token_for(app, alpha["email"], "alpha"))
        put = client.put(
            "/api/v1/shop/notifications",
            headers=headers,
            json={
                "emails": ["shop@alpha.example.jp"],
                "webhook_url": receiver.url,
                "categories": {"voicemail": "digest"},
            },
        )
        assert put.status_code == 200, put.get_json()
        body = client.get("/api/v1/shop/notifications", headers=headers).get_json()
        assert body["categories"]["voicemail"] == "digest"
        assert body["webhook_secret"].startswith("whsec_")
        bad = client.put(
            "/api/v1/shop/notifications", headers=headers, json={"categories": {"urgent": "digest"}}
        )
        assert bad.status_code == 422
        assert bad.mimetype == "application/problem+json"
        assert client.post("/api/v1/shop/notifications/test", headers=headers).status_code == 202
        assert len(receiver.received) == 1


def test_the_digest_time_is_chosen_and_checked(app: Flask) -> None:
    client = owner(app)
    refused = save(client, mode_message="digest", digest_time="25:00")
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "18:00 のように" in refused.get_data(as_text=True)  # type: ignore[attr-defined]
    save(client, mode_message="digest", digest_time="07:30")
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="07:30"' in page
    assert "1日1回まとめて（07:30）" in page


TEMPLATE = "/shops/alpha/notifications/template"


def post_template(client: FlaskClient, action: str, subject: str, body: str, **more: str) -> object:
    form = {"csrf_token": csrf_token(client, PAGE), "action": action, **more}
    return client.post(TEMPLATE, data={**form, "subject": subject, "body": body})


def reset_template(client: FlaskClient, **confirm: str) -> str:
    form = {"csrf_token": csrf_token(client, PAGE), "action": "default", **confirm}
    return client.post(TEMPLATE, data=form, follow_redirects=True).get_data(as_text=True)


def test_the_message_mail_template_starts_as_the_japanese_default(app: Flask) -> None:
    client = owner(app)
    page = client.get(PAGE).get_data(as_text=True)
    assert "{urgent_mark}{shop}様へのご伝言: {topic}" in page
    assert "お電話のご伝言をお預かりしました。" in page
    assert "{received_at}" in page  # the placeholders are listed with what they become


def test_unknown_placeholders_and_stray_braces_are_refused_and_nothing_is_saved(
    app: Flask,
) -> None:
    client = owner(app)
    refused = post_template(client, "save", "{shop}様 {order_no}", "{message}")
    assert refused.status_code == 400  # type: ignore[attr-defined]
    text = refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "件名: {order_no} は差し込み項目ではありません" in text
    assert "{shop}様 {order_no}" in text  # what they typed is kept to correct
    broken = post_template(client, "save", "{shop}", "ご伝言です {message")
    assert broken.status_code == 400  # type: ignore[attr-defined]
    assert "本文: 波かっこが閉じていません" in broken.get_data(as_text=True)  # type: ignore[attr-defined]
    dotted = post_template(client, "preview", "{shop.__class__}", "{message}")
    assert dotted.status_code == 400  # type: ignore[attr-defined]
    two_lines = post_template(client, "save", "a\nb", "{message}")
    assert two_lines.status_code == 400  # type: ignore[attr-defined]
    page = client.get(PAGE).get_data(as_text=True)
    assert "{order_no}" not in page
    assert "{urgent_mark}{shop}様へのご伝言: {topic}" in page


def test_a_preview_fills_the_template_without_saving_it(app: Flask) -> None:
    client = owner(app)
    shown = post_template(
        client, "preview", "【{urgency}】{shop}: {caller}", "{shop} 各位\n{{社内用}}\n{message}"
    )
    text = shown.get_data(as_text=True)  # type: ignore[attr-defined]
    assert shown.status_code == 200  # type: ignore[attr-defined]
    assert "【通常】alpha shop: 090-1234-5678" in text
    assert "{社内用}" in text  # a doubled brace is a brace
    assert "注文番号: A-1001" in text
    assert "{caller}" in text  # the form still holds the template
    assert "【{urgency}】" not in client.get(PAGE).get_data(as_text=True)


def test_the_owner_saves_a_template_and_goes_back_to_the_default(app: Flask) -> None:
    client = owner(app)
    saved = post_template(client, "save", "{shop}へ伝言（{urgency}）", "{message}\n{url}")
    assert saved.status_code == 302  # type: ignore[attr-defined]
    assert "{shop}へ伝言（{urgency}）" in client.get(PAGE).get_data(as_text=True)
    page = client.get(PAGE).get_data(as_text=True)
    assert "標準の件名と本文を使う（自分で書いた内容は置き換わります）" in page
    assert 'data-testid="template-standard"' not in page
    assert (
        reset_template(client, confirm="yes").count("伝言メールを標準のテンプレートに戻しました")
        == 1
    )
    page = client.get(PAGE).get_data(as_text=True)
    assert "{urgent_mark}{shop}様へのご伝言: {topic}" in page
    assert "伝言メールは上の標準の件名と本文で送られます" in page
    with system(app) as session:  # the audit log says which owner did it
        written = session.execute(
            select(AuditEvent.action, AuditEvent.actor_user_id)
            .where(AuditEvent.action.startswith("notifications.template_"))
            .order_by(AuditEvent.at)
        ).all()
        owner_id = session.scalar(select(User.id).where(User.email == "owner@alpha.example.jp"))
    # saving and going back to the standard are told apart
    assert [tuple(row) for row in written] == [
        ("notifications.template_changed", owner_id),
        ("notifications.template_reset", owner_id),
    ]


def test_going_back_to_the_default_asks_to_confirm_first(app: Flask) -> None:
    client = owner(app)
    post_template(client, "save", "{shop}へ伝言（{urgency}）", "{message}\n{url}")
    page = client.get(PAGE).get_data(as_text=True)
    reset_form = page[page.index('data-testid="template-reset"') :].split("</form>")[0]
    assert 'name="confirm" value="yes" required' in reset_form  # ticked before it posts
    assert 'value="default"' in reset_form
    save_form = page[: page.index('data-testid="template-reset"')].rsplit("<form", 1)[0]
    assert 'value="default"' not in save_form.split('id="message-mail"')[1]  # not beside Save
    unconfirmed = reset_template(client)
    assert (
        "確認のチェックを入れてください。自分で書いた件名と本文は標準のものに置き換わります。"
        in unconfirmed
    )
    assert "標準のテンプレートに戻しました" not in unconfirmed
    assert "{shop}へ伝言（{urgency}）" in unconfirmed  # the owner's template is kept


def test_an_empty_body_or_subject_is_refused_and_points_to_the_default_button(
    app: Flask,
) -> None:
    client = owner(app)
    post_template(client, "save", "{shop}へ伝言", "{message}")
    empty = post_template(client, "save", "{shop}へ伝言（変更）", "  \r\n ")
    assert empty.status_code == 400  # type: ignore[attr-defined]
    text = empty.get_data(as_text=True)  # type: ignore[attr-defined]
    assert (
        "本文が空です。標準の文面を使うには、空のまま保存せずに「標準に戻す」を押してください。"
        in text
    )
    assert "{shop}へ伝言（変更）" in text  # what they typed is kept
    no_subject = post_template(client, "save", " ", "{message}")
    assert no_subject.status_code == 400  # type: ignore[attr-defined]
    assert "件名を入力してください。標準のメールを使うには「標準に戻す」を押してください。" in (
        no_subject.get_data(as_text=True)  # type: ignore[attr-defined]
    )
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="{shop}へ伝言"' in page  # the saved template is untouched
    assert ">{message}</textarea>" in page


def test_another_shops_owner_cannot_see_or_change_the_template(app: Flask) -> None:
    owner(app)
    beta = make_shop(app, "beta")
    other = app.test_client()
    log_in(other, beta["email"], PASSWORD)
    token = csrf_token(other, "/shops/beta/notifications/")
    form = {"csrf_token": token, "action": "save", "subject": "x", "body": "y"}
    assert other.post(TEMPLATE, data=form).status_code == 404


def test_template_messages_show_in_the_template_part_the_page_opens_at(app: Flask) -> None:
    client = owner(app)
    saved = post_template(client, "save", "{shop}へ伝言", "{message}")
    assert saved.location.endswith("#message-mail")  # type: ignore[attr-defined]
    page = client.get(PAGE).get_data(as_text=True)
    part = page[page.index('id="message-mail"') :].split("</section>")[0]
    assert "伝言メールのテンプレートを保存しました" in part
    assert page.count("保存しました") == part.count("保存しました")  # not at the top as well
    refused = post_template(client, "save", "件名", " ")
    text = refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'action="/shops/alpha/notifications/template#message-mail"' in text
    assert "autofocus" in text  # the form is brought into view with its error
