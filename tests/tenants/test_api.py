"""The JSON API: bearer tokens, shop scoping (404 across shops), problem+json errors, OpenAPI."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tenants.models import StaffRole
from tests.conftest import system
from tests.factories import make_shop, make_staff


def token_for(app: Flask, email: str, shop_slug: str | None = None) -> str:
    from tenants import services
    from tenants.models import Shop

    with system(app) as session:
        user = services.find_user(email)
        assert user is not None
        shop = session.query(Shop).filter_by(slug=shop_slug).one() if shop_slug else None
        _, plaintext = services.create_token(user, name="test", shop=shop)
        return plaintext


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_me_names_the_holder_and_the_shop(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    response = client.get("/api/v1/me", headers=bearer(token_for(app, alpha["email"], "alpha")))
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["email"] == alpha["email"]
    assert body["shop"]["slug"] == "alpha"
    assert body["token"]["name"] == "test"


def test_shop_token_reads_its_own_shop(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    headers = bearer(token_for(app, alpha["email"], "alpha"))
    assert client.get("/api/v1/shops/alpha", headers=headers).get_json()["name"] == "alpha shop"
    members = client.get("/api/v1/shops/alpha/members", headers=headers).get_json()
    assert [m["user"]["email"] for m in members] == [alpha["email"]]


def test_shop_token_gets_404_for_another_shop(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    make_shop(app, "beta")
    headers = bearer(token_for(app, alpha["email"], "alpha"))
    for path in ("/api/v1/shops/beta", "/api/v1/shops/beta/members"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert "beta" not in response.get_data(as_text=True)
    listed = client.get("/api/v1/shops", headers=headers).get_json()
    assert [s["slug"] for s in listed] == ["alpha"]


def test_missing_token_is_401_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 401
    assert "Bearer" in body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_refused(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    token = token_for(app, alpha["email"], "alpha")
    listed = client.get("/api/v1/tokens", headers=bearer(token)).get_json()
    assert (
        client.delete(f"/api/v1/tokens/{listed[0]['id']}", headers=bearer(token)).status_code == 204
    )
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert "revoked" in response.get_json()["detail"]


def test_token_stops_when_membership_ends(app: Flask, client: FlaskClient) -> None:
    from sqlalchemy import delete

    from tenants.models import ShopMembership

    alpha = make_shop(app, "alpha")
    token = token_for(app, alpha["email"], "alpha")
    with system(app) as session:
        session.execute(delete(ShopMembership))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_cannot_revoke_someone_elses_token(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    beta = make_shop(app, "beta")
    beta_token = token_for(app, beta["email"], "beta")
    beta_id = client.get("/api/v1/tokens", headers=bearer(beta_token)).get_json()[0]["id"]
    alpha_headers = bearer(token_for(app, alpha["email"], "alpha"))
    assert client.delete(f"/api/v1/tokens/{beta_id}", headers=alpha_headers).status_code == 404
    assert client.get("/api/v1/me", headers=bearer(beta_token)).status_code == 200


def test_supervisor_token_reads_every_shop_operator_token_none(
    app: Flask, client: FlaskClient
) -> None:
    make_shop(app, "alpha")
    make_shop(app, "beta")
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    operator = make_staff(app, StaffRole.OPERATOR)
    sup = client.get(
        "/api/v1/shops", headers=bearer(token_for(app, supervisor["email"]))
    ).get_json()
    assert sorted(s["slug"] for s in sup) == ["alpha", "beta"]
    op_headers = bearer(token_for(app, operator["email"]))
    assert client.get("/api/v1/shops", headers=op_headers).get_json() == []
    assert client.get("/api/v1/shops/alpha", headers=op_headers).status_code == 404


def test_tokens_are_stored_hashed(app: Flask) -> None:
    from sqlalchemy import select

    from tenants.models import ApiToken

    alpha = make_shop(app, "alpha")
    plaintext = token_for(app, alpha["email"], "alpha")
    with system(app) as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert plaintext not in stored
    assert all(len(value) == 64 for value in stored)


def test_openapi_document_lists_the_endpoints(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/shops/{slug}" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/swagger-ui/swagger-ui-bundle.js" in page  # served by us: the page works offline
    assert "cdn." not in page
    with client.get("/api/swagger-ui/swagger-ui-bundle.js") as script:
        assert script.status_code == 200
        assert b"SwaggerUIBundle" in script.data
    assert client.get("/api/swagger-ui/../../../etc/passwd").status_code == 404


def test_unknown_api_path_is_problem_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here", headers=bearer("ans_x"))
    assert response.status_code in (401, 404)
    assert response.mimetype == "application/problem+json"
