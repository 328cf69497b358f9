"""FAQ hits: an operator opening an FAQ entry or product found by the console's search during a
call counts it once per call; the shop's monthly report ranks it with the filed subjects under
"most asked", in the page and the PDF; nobody but the operator of that shop's call records one."""

from __future__ import annotations

import base64
import re
import zlib
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering.faq_hit_models import FaqHit
from tenants.models import Shop
from tenants.scripts import services as scripts
from tests.answering.calls import SCRIPT, answered_call, file, operator, two_shops
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD

ALPHA_SCRIPT: dict[str, Any] = {
    **SCRIPT,
    "faqs": [
        {
            "id": "faq-size",
            "question": "サイズ交換はできますか？",
            "answer": "7日以内なら承ります。",
        },
        {"id": "faq-ship", "question": "送料はいくらですか？", "answer": "全国一律600円です。"},
    ],
    "products": [{"id": "prd-cloth", "name": "リネンキッチンクロス", "sku": "LC-01"}],
}
BETA_SCRIPT: dict[str, Any] = {
    **SCRIPT,
    "faqs": [{"id": "faq-beta", "question": "ベータの質問", "answer": "ベータの答え"}],
}


@pytest.fixture
def console(app: Flask) -> FlaskClient:
    """alpha and beta with FAQ entries; a ready operator's console."""
    two_shops(app)
    with system(app) as session:
        for slug, content in (("alpha", ALPHA_SCRIPT), ("beta", BETA_SCRIPT)):
            shop = session.scalars(select(Shop).where(Shop.slug == slug)).one()
            scripts.replace_draft(shop, content)
            scripts.publish(shop, None)
    return operator(app)[1]


@pytest.fixture
def on_a_call(app: Flask, console: FlaskClient) -> FlaskClient:
    """The operator on alpha's call CA1."""
    answered_call(app, app.test_client(), sid="CA1", end=False)
    return console


def hit(client: FlaskClient, kind: str, entry: str, sid: str = "CA1", token: bool = True) -> int:
    data = {"kind": kind, "entry": entry}
    if token:
        data["csrf_token"] = csrf_token(client, "/console")
    return client.post(f"/console/calls/{sid}/faq-hits", data=data).status_code


def pdf_strings(data: bytes) -> bytes:
    """The bytes of the PDF's page streams (ReportLab: ASCII85, then Flate), string escapes
    undone, so text in the Japanese CID font can be found as UTF-16 big-endian."""
    found = b""
    for stream in re.findall(rb"/FlateDecode \].*?stream\r?\n(.*?)endstream", data, re.S):
        page = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        found += re.sub(rb"\\([0-7]{3}|.)", _unescape, page)
    return found


def _unescape(match: re.Match[bytes]) -> bytes:
    code = match.group(1)
    return bytes([int(code, 8)]) if code.isdigit() else code


def hits(app: Flask) -> list[tuple[str, str, str]]:
    with system(app) as session:
        return [
            (h.kind, h.entry_id, h.label)
            for h in session.scalars(select(FaqHit).order_by(FaqHit.kind, FaqHit.entry_id))
        ]


def test_the_search_results_open_and_each_opening_is_counted_once_per_call(
    app: Flask, on_a_call: FlaskClient
) -> None:
    page = on_a_call.get("/console?q=ｻｲｽﾞ").get_data(as_text=True)
    assert 'data-hit-url="/console/calls/CA1/faq-hits"' in page
    assert '<details class="faq" data-kind="faq" data-entry="faq-size">' in page
    assert hit(on_a_call, "faq", "faq-size") == 204
    assert hit(on_a_call, "faq", "faq-size") == 204  # opened again: still one
    assert hit(on_a_call, "product", "prd-cloth") == 204
    assert hits(app) == [
        ("faq", "faq-size", "サイズ交換はできますか？"),
        ("product", "prd-cloth", "リネンキッチンクロス"),
    ]


def test_the_monthly_report_ranks_faq_hits_with_the_filed_subjects(
    app: Flask, console: FlaskClient
) -> None:
    carrier = app.test_client()
    answered_call(app, carrier, sid="CA1")  # ended: the operator files it in after-call work
    assert hit(console, "faq", "faq-size") == 204
    assert hit(console, "product", "prd-cloth") == 204
    assert file(console, "CA1", disposition="product_question").status_code == 302
    answered_call(app, carrier, sid="CA2")
    assert hit(console, "faq", "faq-size", sid="CA2") == 204
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    page = owner.get("/shops/alpha/reports/monthly").get_data(as_text=True)
    asked = page[page.index('data-testid="most-asked"') :]
    asked = asked[: asked.index("</table>")]
    assert "<td>サイズ交換はできますか？</td><td>FAQ</td><td>2</td>" in asked
    assert "<td>商品の質問</td><td>記録した用件</td><td>1</td>" in asked
    assert "<td>リネンキッチンクロス</td><td>商品</td><td>1</td>" in asked
    assert asked.index("サイズ交換はできますか？") < asked.index("リネンキッチンクロス")
    assert "送料はいくらですか？" not in asked  # shown on the card, never opened
    pdf = owner.get("/shops/alpha/reports/monthly.pdf")
    assert pdf.status_code == 200
    assert "サイズ交換はできますか？".encode("utf-16-be") in pdf_strings(pdf.data)
    assert "リネンキッチンクロス".encode("utf-16-be") in pdf_strings(pdf.data)
    beta = app.test_client()
    log_in(beta, "owner@beta.example.jp", PASSWORD)
    theirs = beta.get("/shops/beta/reports/monthly").get_data(as_text=True)
    assert "サイズ交換はできますか？" not in theirs
    assert "リネンキッチンクロス" not in theirs


def test_only_the_operator_of_that_shops_call_records_a_hit(
    app: Flask, on_a_call: FlaskClient
) -> None:
    assert hit(on_a_call, "faq", "faq-beta") == 404  # another shop's entry on alpha's call
    assert hit(on_a_call, "faq", "faq-nope") == 404
    assert hit(on_a_call, "faq", "prd-cloth") == 404  # a product is not an FAQ entry
    assert hit(on_a_call, "answer", "faq-size") == 404
    assert hit(on_a_call, "faq", "faq-size", sid="CA-someone-elses") == 404
    assert hit(on_a_call, "faq", "faq-size", token=False) == 400
    _, other = operator(app, "op2@answering.example.jp")
    assert hit(other, "faq", "faq-size") == 404  # alpha's call was given to someone else
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    token = csrf_token(owner, "/shops/alpha/")
    tried = owner.post(
        "/console/calls/CA1/faq-hits",
        data={"kind": "faq", "entry": "faq-size", "csrf_token": token},
    )
    assert tried.status_code == 404
    assert hits(app) == []


def test_the_owners_preview_opens_entries_without_counting_them(
    app: Flask, on_a_call: FlaskClient
) -> None:
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    preview = owner.get("/shops/alpha/script/preview?q=サイズ")
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert 'data-entry="faq-size"' in text
    assert "data-hit-url" not in text
