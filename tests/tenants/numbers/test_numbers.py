"""Numbers: the pool, renting (exactly one winner), release into quarantine, pages and API."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tenants.db import db, utcnow
from tenants.models import Shop, StaffRole
from tenants.numbers import services
from tenants.numbers.models import PhoneNumber
from tenants.services import ValidationFailed
from tests.conftest import build_app, csrf_token, fresh_database_url, log_in, migrate, system
from tests.factories import PASSWORD, make_shop, make_staff
from tests.tenants.test_api import bearer, token_for


def add_numbers(app: Flask, *texts: str, kind: str = "phone") -> list[str]:
    with system(app):
        return [str(services.add_to_pool(t, kind=kind).id) for t in texts]


def shop_row(session, slug: str) -> Shop:
    return session.scalars(select(Shop).where(Shop.slug == slug)).one()


class TestPool:
    def test_numbers_are_stored_in_e164_and_shown_in_national_format(self, app: Flask) -> None:
        add_numbers(app, "03-4500-0001", "0120-440-001", "050 5550 0001")
        with system(app) as session:
            rows = session.scalars(select(PhoneNumber).order_by(PhoneNumber.e164)).all()
            assert [r.e164 for r in rows] == ["+81120440001", "+81345000001", "+815055500001"]
            assert [r.line_type for r in rows] == ["toll_free", "geographic", "ip"]
            assert services.national(rows[0].e164) == "0120-440-001"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("090-1234-5678", "固定電話・050・フリーダイヤル"),
            ("03-1234", "正しい日本の電話番号ではありません"),
            ("hello", "03-1234-5678 のように"),
        ],
    )
    def test_bad_numbers_are_refused(self, app: Flask, text: str, message: str) -> None:
        with system(app), pytest.raises(ValidationFailed, match=message):
            services.add_to_pool(text, kind="phone")

    def test_a_number_is_pooled_once(self, app: Flask) -> None:
        add_numbers(app, "03-4500-0001")
        with system(app), pytest.raises(ValidationFailed, match="すでに登録されています"):
            services.add_to_pool("0345000001", kind="phone")

    def test_cli_adds_a_number(self, app: Flask) -> None:
        result = app.test_cli_runner().invoke(
            args=["tenants", "add-number", "03-4500-0007", "--kind", "fax"]
        )
        assert result.exit_code == 0, result.output
        assert "03-4500-0007" in result.output
        bad = app.test_cli_runner().invoke(args=["tenants", "add-number", "12345"])
        assert bad.exit_code != 0


class TestRenting:
    def test_rent_routes_the_number_to_the_shop(self, app: Flask) -> None:
        alpha = make_shop(app, "alpha")
        [number_id] = add_numbers(app, "03-4500-0001")
        with system(app) as session:
            services.rent(shop_row(session, "alpha"), number_id, actor=None, ip=None)
        with system(app):
            assert str(services.shop_for_number("+81345000001")) == alpha["shop_id"]
            assert services.available_numbers() == []

    def test_second_shop_cannot_rent_a_rented_number(self, app: Flask) -> None:
        make_shop(app, "alpha")
        make_shop(app, "beta")
        [number_id] = add_numbers(app, "03-4500-0001")
        with system(app) as session:
            services.rent(shop_row(session, "alpha"), number_id, actor=None, ip=None)
        with system(app) as session, pytest.raises(services.NumberTaken):
            services.rent(shop_row(session, "beta"), number_id, actor=None, ip=None)

    def test_released_number_rests_90_days(self, app: Flask) -> None:
        make_shop(app, "alpha")
        make_shop(app, "beta")
        [number_id] = add_numbers(app, "03-4500-0001")
        with system(app) as session:
            rental = services.rent(shop_row(session, "alpha"), number_id, actor=None, ip=None)
            rental_id = rental.id
        with system(app) as session:
            services.release(shop_row(session, "alpha"), rental_id, actor=None, ip=None)
        with system(app) as session:
            assert services.shop_for_number("+81345000001") is None
            assert services.available_numbers() == []
            with pytest.raises(services.NumberTaken):
                services.rent(shop_row(session, "beta"), number_id, actor=None, ip=None)
        with system(app) as session:
            session.get(PhoneNumber, uuid.UUID(number_id)).quarantine_until = utcnow() - timedelta(
                seconds=1
            )
        with system(app) as session:
            services.rent(shop_row(session, "beta"), number_id, actor=None, ip=None)

    def test_releasing_another_shops_rental_is_404(self, app: Flask) -> None:
        from werkzeug.exceptions import NotFound

        make_shop(app, "alpha")
        make_shop(app, "beta")
        [number_id] = add_numbers(app, "03-4500-0001")
        with system(app) as session:
            rental_id = services.rent(shop_row(session, "alpha"), number_id, actor=None, ip=None).id
        with system(app) as session, pytest.raises(NotFound):
            services.release(shop_row(session, "beta"), rental_id, actor=None, ip=None)


@pytest.mark.postgres
def test_two_owners_racing_for_one_number_exactly_one_wins(tmp_path: Path) -> None:
    """Two real transactions on two connections: the second waits for the first, then loses."""
    app = build_app(fresh_database_url("race", tmp_path))
    migrate(app)
    from tenants import services as platform
    from tenants.scoping import SYSTEM, set_scope

    with app.app_context():
        set_scope(db.session, SYSTEM)
        shops = [
            platform.create_shop(slug=s, name=s, name_kana="テスト") for s in ("alpha", "beta")
        ]
        number_id = services.add_to_pool("03-4500-0001", kind="phone").id
        shop_ids = [s.id for s in shops]
        db.session.commit()

    first_claimed = threading.Event()
    outcomes: dict[str, str] = {}

    def attempt(name: str, shop_id: uuid.UUID, hold: bool) -> None:
        with app.app_context():
            set_scope(db.session, SYSTEM)
            shop = db.session.get(Shop, shop_id)
            try:
                services.rent(shop, number_id, actor=None, ip=None)
                if hold:
                    first_claimed.set()
                    threading.Event().wait(0.3)  # the rival is now blocked on the row lock
                db.session.commit()
                outcomes[name] = "rented"
            except services.NumberTaken:
                db.session.rollback()
                outcomes[name] = "taken"

    first = threading.Thread(target=attempt, args=("alpha", shop_ids[0], True))
    first.start()
    first_claimed.wait(5)
    second = threading.Thread(target=attempt, args=("beta", shop_ids[1], False))
    second.start()
    first.join(10)
    second.join(10)
    assert outcomes == {"alpha": "rented", "beta": "taken"}
    with app.app_context():
        set_scope(db.session, SYSTEM)
        assert db.session.get(PhoneNumber, number_id).rented_by_shop_id == shop_ids[0]
        db.session.rollback()
        db.engine.dispose()


class TestPages:
    def test_owner_rents_and_releases_from_the_page(self, app: Flask) -> None:
        alpha = make_shop(app, "alpha")
        [number_id] = add_numbers(app, "03-4500-0001")
        client = app.test_client()
        log_in(client, alpha["email"], PASSWORD)
        page = client.get("/shops/alpha/numbers/").get_data(as_text=True)
        assert "03-4500-0001" in page
        token = csrf_token(client, "/shops/alpha/numbers/")
        rented = client.post(
            "/shops/alpha/numbers/rent", data={"number_id": number_id, "csrf_token": token}
        )
        assert rented.status_code == 302
        page = client.get("/shops/alpha/numbers/").get_data(as_text=True)
        assert 'data-testid="rented-number">03-4500-0001<' in page

    def test_losing_the_race_gets_a_clear_message(self, app: Flask) -> None:
        alpha = make_shop(app, "alpha")
        make_shop(app, "beta")
        [number_id] = add_numbers(app, "03-4500-0001")
        with system(app) as session:
            services.rent(shop_row(session, "beta"), number_id, actor=None, ip=None)
        client = app.test_client()
        log_in(client, alpha["email"], PASSWORD)
        token = csrf_token(client, "/shops/alpha/numbers/")
        response = client.post(
            "/shops/alpha/numbers/rent", data={"number_id": number_id, "csrf_token": token}
        )
        assert response.status_code == 409
        assert "別の番号を選んでください" in response.get_data(as_text=True)

    def test_admin_adds_numbers_on_the_pool_page(self, app: Flask) -> None:
        admin = make_staff(app, StaffRole.ADMIN)
        client = app.test_client()
        log_in(client, admin["email"], PASSWORD)
        token = csrf_token(client, "/staff/numbers")
        ok = client.post(
            "/staff/numbers", data={"number": "06-6000-0001", "kind": "phone", "csrf_token": token}
        )
        assert ok.status_code == 302
        bad = client.post(
            "/staff/numbers", data={"number": "090-1234-5678", "kind": "phone", "csrf_token": token}
        )
        assert bad.status_code == 400
        assert "固定電話" in bad.get_data(as_text=True)
        assert "06-6000-0001" in client.get("/staff/numbers").get_data(as_text=True)

    def test_shop_owner_cannot_open_the_pool_page(self, app: Flask) -> None:
        alpha = make_shop(app, "alpha")
        client = app.test_client()
        log_in(client, alpha["email"], PASSWORD)
        assert client.get("/staff/numbers").status_code == 404


class TestApi:
    def test_rent_list_and_release(self, app: Flask, client: FlaskClient) -> None:
        alpha = make_shop(app, "alpha")
        add_numbers(app, "03-4500-0001", "050-5550-0001")
        headers = bearer(token_for(app, alpha["email"], "alpha"))
        available = client.get(
            "/api/v1/shop/numbers/available?line_type=ip", headers=headers
        ).get_json()
        assert [n["number"] for n in available] == ["050-5550-0001"]
        rented = client.post(
            "/api/v1/shop/numbers", headers=headers, json={"number_id": available[0]["id"]}
        )
        assert rented.status_code == 201
        listed = client.get("/api/v1/shop/numbers", headers=headers).get_json()
        assert [r["number"]["number"] for r in listed] == ["050-5550-0001"]
        again = client.post(
            "/api/v1/shop/numbers", headers=headers, json={"number_id": available[0]["id"]}
        )
        assert again.status_code == 409
        assert again.mimetype == "application/problem+json"
        released = client.delete(f"/api/v1/shop/numbers/{listed[0]['id']}", headers=headers)
        assert released.status_code == 200
        assert client.get("/api/v1/shop/numbers", headers=headers).get_json() == []

    def test_other_shop_sees_no_rentals(self, app: Flask, client: FlaskClient) -> None:
        alpha = make_shop(app, "alpha")
        beta = make_shop(app, "beta")
        [number_id] = add_numbers(app, "03-4500-0001")
        alpha_headers = bearer(token_for(app, alpha["email"], "alpha"))
        rental = client.post(
            "/api/v1/shop/numbers", headers=alpha_headers, json={"number_id": number_id}
        ).get_json()
        beta_headers = bearer(token_for(app, beta["email"], "beta"))
        assert client.get("/api/v1/shop/numbers", headers=beta_headers).get_json() == []
        assert (
            client.delete(f"/api/v1/shop/numbers/{rental['id']}", headers=beta_headers).status_code
            == 404
        )


@pytest.mark.parametrize(
    ("caller", "shown"),
    [
        ("+819012345678", "090-1234-5678"),
        ("+81345000001", "03-4500-0001"),
        ("+14155550100", "+1 415-555-0100"),
        ("anonymous", "非通知"),
        ("Restricted", "非通知"),
        ("", "非通知"),
        ("+266696687", "非通知"),  # the carrier's stand-in: ANONYMOUS on a keypad
        ("+7378742833", "非通知"),  # RESTRICTED
    ],
)
def test_a_caller_reads_as_people_write_numbers_or_as_withheld(
    app: Flask, caller: str, shown: str
) -> None:
    with app.test_request_context():
        assert services.caller_label(caller) == shown
