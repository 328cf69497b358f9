"""Every route of the application, called as shop B with shop A's slug and ids (in the path, the
query and the form; by page and by API token): nothing of shop A is returned or changed (404).

The routes are read from the application itself, so a route added later is checked too.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from answering.models import Call, CallIndex, Fax
from tenants import services
from tenants.coverage import services as coverage
from tenants.coverage.services import today_in_tokyo
from tenants.db import new_id, utcnow
from tenants.members import services as members
from tenants.models import Shop, ShopRole, User
from tenants.numbers import services as numbers
from tenants.scripts import services as scripts
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop

# Routes outside the shops' reach: other parties' (the carrier's, Stripe's) or static files.
NOT_A_SHOPS_ROUTE = ("/carrier/", "/billing/stripe/", "/static/", "/metrics")
# Arguments that are not ids: what to put in their place.
FILLERS = {"number": "1", "section": "faqs", "filename": "app.css"}


def shop_a_with_everything(app: Flask) -> dict[str, Any]:
    """Shop A with a row in as many tables as the services make: the ids B must not reach."""
    alpha = make_shop(app, "alpha")
    make_shop(app, "beta")
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        owner = session.get(User, uuid.UUID(alpha["owner_id"]))
        number = numbers.add_to_pool("03-4500-0101", kind="phone")
        session.flush()
        numbers.rent(shop, number.id, actor=None, ip=None)
        coverage.add_closure(
            shop,
            starts_on=today_in_tokyo() + timedelta(days=3),
            ends_on=today_in_tokyo() + timedelta(days=4),
            reason="棚卸し",
            every_year=False,
        )
        members.invite(
            shop, email="new@alpha.example.jp", role=ShopRole.MEMBER, actor=owner, ip=None
        )
        helper = services.create_user(
            email="member@alpha.example.jp", display_name="m", password=PASSWORD
        )
        services.add_member(shop, helper, ShopRole.MEMBER)
        scripts.replace_draft(
            shop,
            {"greeting": "アルファです", "faqs": [{"question": "送料は？", "answer": "無料です"}]},
        )
        session.flush()
        scripts.publish(shop, owner)
        call = Call(
            id=new_id(),
            shop_id=shop.id,
            call_sid="CA-alpha-1",
            from_number="+819011112222",
            to_number=number.e164,
            arrived_at=utcnow(),
            in_coverage=True,
            outcome="answered",
            recording_key="recordings/alpha.mp3",
        )
        session.add(call)
        session.add(CallIndex(call_sid="CA-alpha-1", shop_id=shop.id))
        session.add(
            Fax(
                id=new_id(),
                shop_id=shop.id,
                media_url="https://api.twilio.com/fax/alpha",
                from_number="+81311112222",
                to_number=number.e164,
                status="stored",
                storage_key="faxes/alpha.pdf",
            )
        )
        _, token_a = services.create_token(owner, name="alpha", shop=shop)
        beta_owner = session.scalars(
            select(User).where(User.email == "owner@beta.example.jp")
        ).one()
        beta = session.scalars(select(Shop).where(Shop.slug == "beta")).one()
        _, token_b = services.create_token(beta_owner, name="beta", shop=beta)
    return {"shop_id": alpha["shop_id"], "token_a": token_a, "token_b": token_b}


def ids_of(app: Flask, shop_id: str) -> list[str]:
    """Every id shop A owns, from every table that has a shop_id and an id (read generically)."""
    found: list[str] = []
    with system(app) as session:
        tables = inspect(session.get_bind()).get_table_names()
        for table in sorted(tables):
            columns = {c["name"] for c in inspect(session.get_bind()).get_columns(table)}
            if {"shop_id", "id"} <= columns:
                found += [
                    str(row)
                    for row in session.execute(
                        text(f"SELECT id FROM {table} WHERE shop_id = :shop"),  # noqa: S608 - names from the schema
                        {
                            "shop": uuid.UUID(shop_id)
                            if session.get_bind().dialect.name == "postgresql"
                            else uuid.UUID(shop_id).hex
                        },
                    ).scalars()
                ]
    return found


def snapshot(app: Flask, shop_id: str) -> str:
    """A digest of every row shop A owns, to prove nothing of it changed."""
    digest = hashlib.sha256()
    with system(app) as session:
        bind = session.get_bind()
        for table in sorted(inspect(bind).get_table_names()):
            columns = [c["name"] for c in inspect(bind).get_columns(table)]
            if "shop_id" not in columns:
                continue
            key = (
                uuid.UUID(shop_id) if bind.dialect.name == "postgresql" else uuid.UUID(shop_id).hex
            )
            rows = session.execute(
                text(f"SELECT * FROM {table} WHERE shop_id = :shop"),  # noqa: S608 - names from the schema
                {"shop": key},
            ).all()
            digest.update(table.encode())
            digest.update(json.dumps(sorted(map(repr, rows))).encode())
    return digest.hexdigest()


def urls(app: Flask, slug: str, ids: list[str]) -> list[tuple[str, str]]:
    """(method, url) for every route, its slug set to `slug` and each id argument to each id."""
    made: list[tuple[str, str]] = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(NOT_A_SHOPS_ROUTE) or not rule.arguments:
            continue
        id_arguments = [a for a in rule.arguments if a not in FILLERS and a != "slug"]
        choices = ids if id_arguments else [""]
        for chosen in choices[:40]:
            values = {a: FILLERS.get(a, chosen) for a in rule.arguments}
            if "slug" in rule.arguments:
                values["slug"] = slug
            url = rule.rule
            for name, value in values.items():
                url = url.replace(f"<{name}>", value).replace(f"<int:{name}>", value)
                url = url.replace(f"<path:{name}>", value).replace(f"<uuid:{name}>", value)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                made.append((method, url))
    return sorted(set(made))


@pytest.fixture
def arranged(app: Flask) -> dict[str, Any]:
    made = shop_a_with_everything(app)
    made["ids"] = ids_of(app, made["shop_id"])
    assert len(made["ids"]) >= 6, made["ids"]
    return made


def refused(response: Any) -> bool:
    """Not found, or (for signed links, which carry no id to look up) gone or slowed down."""
    body = response.get_data(as_text=True)
    if "alpha shop" in body or "アルファです" in body:
        return False
    link = response.request.path.startswith(
        ("/invitations/", "/password/reset/", "/signup/verify/")
    )
    return response.status_code in (404, 405) or (link and response.status_code in (410, 429))


def test_shop_bs_owner_reaches_nothing_of_shop_a_by_page(
    app: Flask, arranged: dict[str, Any]
) -> None:
    before = snapshot(app, arranged["shop_id"])
    client: FlaskClient = app.test_client()
    log_in(client, "owner@beta.example.jp", PASSWORD)
    token = csrf_token(client, "/shops/beta/")
    reached, tried = [], 0
    for slug in ("alpha", "beta"):
        for method, url in urls(app, slug, arranged["ids"]):
            if url.startswith("/api/") or (
                slug == "beta" and not any(i in url for i in arranged["ids"])
            ):
                continue
            tried += 1
            form = {"csrf_token": token, "shop_id": arranged["shop_id"], "id": arranged["ids"][0]}
            response = client.open(
                url,
                method=method,
                data=form if method != "GET" else None,
                query_string={"shop": "alpha", "id": arranged["ids"][0]},
            )
            if not refused(response):
                reached.append(f"{method} {url} -> {response.status_code}")
    assert reached == [], "\n".join(reached)
    assert tried > 200  # every shop route, and every id route with each of A's ids
    assert snapshot(app, arranged["shop_id"]) == before


def test_shop_bs_token_reaches_nothing_of_shop_a_by_api(
    app: Flask, arranged: dict[str, Any]
) -> None:
    before = snapshot(app, arranged["shop_id"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {arranged['token_b']}"}
    reached = []
    for method, url in urls(app, "alpha", arranged["ids"]):
        if not url.startswith("/api/"):
            continue
        response = client.open(
            url,
            method=method,
            headers=headers,
            json={"shop": "alpha"},
            query_string={"shop": "alpha"},
        )
        if not refused(response):
            reached.append(f"{method} {url} -> {response.status_code}")
    assert reached == [], "\n".join(reached)
    assert snapshot(app, arranged["shop_id"]) == before
    # The same calls with shop A's own token do reach its rows: the check can fail.
    own = client.get(
        "/api/v1/shops/alpha", headers={"Authorization": f"Bearer {arranged['token_a']}"}
    )
    assert own.status_code == 200
