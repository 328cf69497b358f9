"""Inviting members by e-mail, accepting, roles, removal; never across shops."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tenants.models import ShopMembership, User
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop
from tests.smtp import SmtpStandIn

LINK = re.compile(r"http://localhost(/invitations/\S+)")
PAGE = "/shops/alpha/members/"


def owner_client(app: Flask) -> FlaskClient:
    alpha = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, alpha["email"], PASSWORD)
    return client


def invite(client: FlaskClient, email: str, role: str = "member") -> object:
    return client.post(
        PAGE + "invite", data={"email": email, "role": role, "csrf_token": csrf_token(client, PAGE)}
    )


def invitation_link(smtp: SmtpStandIn) -> str:
    found = LINK.search(smtp.messages[-1].get_content())
    assert found
    return found.group(1)


def test_invited_newcomer_creates_an_account_and_joins(app: Flask, smtp: SmtpStandIn) -> None:
    client = owner_client(app)
    assert invite(client, "new@alpha.example.jp").status_code == 302
    assert "alpha shop" in smtp.messages[-1]["Subject"]
    link = invitation_link(smtp)
    newcomer = app.test_client()
    page = newcomer.get(link).get_data(as_text=True)
    assert "アカウントを作成して参加" in page
    joined = newcomer.post(
        link,
        data={
            "name": "新人",
            "password": "a-long-password",
            "csrf_token": csrf_token(newcomer, link),
        },
    )
    assert joined.status_code == 302
    assert newcomer.get("/shops/alpha/").status_code == 200
    with system(app) as session:
        roles = session.execute(
            select(User.email, ShopMembership.role).join(ShopMembership.user)
        ).all()
    assert ("new@alpha.example.jp", "member") in roles
    assert newcomer.get(link).status_code == 410  # used once


def test_existing_account_logs_in_then_joins(app: Flask, smtp: SmtpStandIn) -> None:
    client = owner_client(app)
    beta = make_shop(app, "beta")
    invite(client, beta["email"], role="owner")
    link = invitation_link(smtp)
    other = app.test_client()
    assert "ログインしてから" in other.get(link).get_data(as_text=True)
    log_in(other, beta["email"], PASSWORD)
    joined = other.post(link, data={"csrf_token": csrf_token(other, link)})
    assert joined.status_code == 302
    assert other.get("/shops/alpha/").status_code == 200
    assert other.get("/shops/beta/").status_code == 200


def test_invitation_for_someone_else_is_refused(app: Flask, smtp: SmtpStandIn) -> None:
    client = owner_client(app)
    beta = make_shop(app, "beta")
    invite(client, "someone@example.jp")
    link = invitation_link(smtp)
    other = app.test_client()
    log_in(other, beta["email"], PASSWORD)
    refused = other.post(link, data={"csrf_token": csrf_token(other, link)})
    assert refused.status_code == 400
    assert "someone@example.jp 宛て" in refused.get_data(as_text=True)
    assert other.get("/shops/alpha/").status_code == 404


def test_duplicate_and_bad_invitations_are_explained(app: Flask) -> None:
    client = owner_client(app)
    invite(client, "new@alpha.example.jp")
    again = invite(client, "new@alpha.example.jp")
    assert "すでに招待しています" in again.get_data(as_text=True)
    myself = invite(client, "owner@alpha.example.jp")
    assert "すでにメンバーです" in myself.get_data(as_text=True)
    assert "正しいメールアドレス" in invite(client, "not-an-address").get_data(as_text=True)


def test_last_owner_cannot_step_down_or_leave(app: Flask) -> None:
    client = owner_client(app)
    page = client.get(PAGE).get_data(as_text=True)
    membership_id = re.search(r"/members/([0-9a-f-]{36})/role", page).group(1)
    token = csrf_token(client, PAGE)
    demote = client.post(
        f"{PAGE}{membership_id}/role", data={"role": "member", "csrf_token": token}
    )
    assert demote.status_code == 400
    assert "オーナーが1人以上必要です" in demote.get_data(as_text=True)
    leave = client.post(f"{PAGE}{membership_id}/remove", data={"csrf_token": token})
    assert leave.status_code == 400


def test_members_page_is_for_owners_of_this_shop_only(app: Flask) -> None:
    owner_client(app)
    beta = make_shop(app, "beta")
    other = app.test_client()
    log_in(other, beta["email"], PASSWORD)
    assert other.get(PAGE).status_code == 404
    token = csrf_token(other, "/shops/beta/")
    assert (
        other.post(
            PAGE + "invite", data={"email": "x@example.jp", "role": "owner", "csrf_token": token}
        ).status_code
        == 404
    )


def test_tampered_link_is_refused(client: FlaskClient) -> None:
    assert client.get("/invitations/abc.def").status_code == 410


class TestApi:
    def test_owner_invites_lists_and_withdraws(
        self, app: Flask, client: FlaskClient, smtp: SmtpStandIn
    ) -> None:
        from tests.tenants.test_api import bearer, token_for

        alpha = make_shop(app, "alpha")
        headers = bearer(token_for(app, alpha["email"], "alpha"))
        created = client.post(
            "/api/v1/shop/invitations",
            headers=headers,
            json={"email": "new@alpha.example.jp", "role": "member"},
        )
        assert created.status_code == 201
        assert len(smtp.messages) == 1
        listed = client.get("/api/v1/shop/invitations", headers=headers).get_json()
        assert [i["email"] for i in listed] == ["new@alpha.example.jp"]
        again = client.post(
            "/api/v1/shop/invitations", headers=headers, json={"email": "new@alpha.example.jp"}
        )
        assert again.status_code == 422
        assert (
            client.delete(
                f"/api/v1/shop/invitations/{listed[0]['id']}", headers=headers
            ).status_code
            == 204
        )
        assert client.get("/api/v1/shop/invitations", headers=headers).get_json() == []
        export = client.get("/api/v1/shop/export", headers=headers)
        assert export.status_code == 200
        assert export.mimetype == "application/zip"

    def test_members_tokens_cannot_invite_and_other_shops_see_nothing(
        self, app: Flask, client: FlaskClient
    ) -> None:
        from tenants import services as platform
        from tenants.models import Shop, ShopRole
        from tests.tenants.test_api import bearer, token_for

        make_shop(app, "alpha")
        beta = make_shop(app, "beta")
        with system(app) as session:
            member = platform.create_user(
                email="m@alpha.example.jp", display_name="m", password=PASSWORD
            )
            platform.add_member(
                session.scalars(select(Shop).where(Shop.slug == "alpha")).one(),
                member,
                ShopRole.MEMBER,
            )
        member_headers = bearer(token_for(app, "m@alpha.example.jp", "alpha"))
        assert (
            client.post(
                "/api/v1/shop/invitations", headers=member_headers, json={"email": "x@example.jp"}
            ).status_code
            == 403
        )
        assert client.get("/api/v1/shop/export", headers=member_headers).status_code == 403
        beta_members = client.get(
            "/api/v1/shop/members", headers=bearer(token_for(app, beta["email"], "beta"))
        ).get_json()
        assert [m["user"]["email"] for m in beta_members] == [beta["email"]]
