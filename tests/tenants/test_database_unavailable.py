"""When the database cannot be reached (restarting, failing over), requests answer 503 with
Retry-After, which the carrier and API clients retry, instead of a 500 that looks like a bug."""

from __future__ import annotations

from tests.conftest import build_app
from tests.faults.stack import free_port


def test_a_request_while_the_database_is_away_answers_503_with_retry_after() -> None:
    nothing_listens = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/answering"
    app = build_app(nothing_listens, TESTING=False)
    client = app.test_client()
    api = client.get("/api/v1/me", headers={"Authorization": "Bearer ans_not-checked-yet"})
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "1"
    assert api.mimetype == "application/problem+json"
    assert api.get_json()["detail"] == "The service is briefly unavailable; try again in a moment."
