"""The audit log names each action in the reader's language; a code without a name shows as it is."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from tenants.audit_labels import LABELS, action_label
from tenants.models import StaffRole
from tenants.services import audit
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff

ROOT = Path(__file__).resolve().parents[2]
# audit("code", ...) and audit(\n "code", ...) and the simulation's ("code", {...}) outcomes
WRITTEN = re.compile(r'(?:audit\(\s*|outcome = \(\s*)"([a-z0-9_]+(?:\.[a-z0-9_]+)*)"')


def codes_in_the_code() -> set[str]:
    found: set[str] = set()
    for package in ("tenants", "answering", "billing", "scheduling"):
        for path in (ROOT / package).rglob("*.py"):
            found |= set(WRITTEN.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_action_the_product_writes_has_a_label() -> None:
    written = codes_in_the_code()
    assert {"recording.purged", "login.failed", "simulation.finished"} <= written
    assert sorted(written - set(LABELS)) == []


def test_labels_are_japanese_english_on_request_and_unknown_codes_stay_as_they_are(
    app: Flask,
) -> None:
    with app.test_request_context():
        assert action_label("recording.purged") == "保存期間を過ぎた録音を削除"
        assert action_label("login.failed") == "ログイン失敗"
        assert action_label("call.something_new") == "call.something_new"
        with force_locale("en"):
            assert (
                action_label("recording.purged") == "Recording deleted after the retention period"
            )


def test_the_audit_log_shows_labels_with_the_code_beside(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    log_in(client, alpha["email"], "wrong-password-x")
    with system(app):
        audit("recording.purged", actor=None, target="CA123")
        audit("future.thing", actor=None)
    admin = make_staff(app, StaffRole.ADMIN)
    log_in(client, admin["email"], PASSWORD)
    page = client.get("/staff/audit").get_data(as_text=True)
    assert ">保存期間を過ぎた録音を削除</td>" in page
    assert 'data-action="recording.purged"' in page
    assert ">ログイン失敗</td>" in page
    assert ">future.thing</td>" in page
    assert ">recording.purged</td>" not in page
    client.post("/locale", data={"locale": "en", "csrf_token": csrf_token(client, "/staff/")})
    english = client.get("/staff/audit").get_data(as_text=True)
    assert ">Recording deleted after the retention period</td>" in english
