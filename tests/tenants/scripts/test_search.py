"""Script search: any word, any width, kana or case, ranked, within one shop's script."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tenants.scripts.search import normalise, search
from tests.conftest import log_in
from tests.factories import PASSWORD, make_shop
from tests.tenants.test_api import bearer, token_for

SCRIPT = {
    "faqs": [
        {
            "question": "サイズ交換はできますか？",
            "answer": "到着後7日以内なら承ります。",
            "tags": ["交換"],
        },
        {"question": "送料はいくらですか？", "answer": "全国一律600円です。", "tags": ["配送"]},
    ],
    "products": [
        {
            "name": "リネンシャツ",
            "reading": "りねんしゃつ",
            "sku": "LS-01",
            "material": "綿100%",
            "sizes": ["S", "M"],
            "colours": ["White"],
            "care": "",
            "notes": "",
        },
    ],
}


def test_normalise_folds_width_kana_and_case() -> None:
    assert normalise("ｻｲｽﾞ") == normalise("さいず") == normalise("サイズ")
    assert normalise("ＬＳ－０１") == "ls-01"


def test_any_word_in_any_form_finds_the_entry_best_first() -> None:
    for query in ("さいず", "ｻｲｽﾞ 交換", "サイズ"):
        hits = search(SCRIPT, query)
        assert hits[0].item["question"] == "サイズ交換はできますか？", query
    assert search(SCRIPT, "ls-01")[0].item["name"] == "リネンシャツ"
    assert search(SCRIPT, "white")[0].kind == "products"
    assert search(SCRIPT, "綿のシャツ")[0].item["name"] == "リネンシャツ"
    assert search(SCRIPT, "返金ポリシー") == []


def test_search_in_the_preview_and_on_the_api_stays_in_the_shop(
    app: Flask, client: FlaskClient
) -> None:
    alpha = make_shop(app, "alpha")
    beta = make_shop(app, "beta")
    alpha_headers = bearer(token_for(app, alpha["email"], "alpha"))
    client.put("/api/v1/shop/script", headers=alpha_headers, json={"faqs": SCRIPT["faqs"]})
    client.post("/api/v1/shop/script/publish", headers=alpha_headers)
    found = client.get("/api/v1/shop/script/search?q=ｻｲｽﾞ", headers=alpha_headers).get_json()
    assert found[0]["item"]["question"] == "サイズ交換はできますか？"
    beta_headers = bearer(token_for(app, beta["email"], "beta"))
    assert client.get("/api/v1/shop/script/search?q=ｻｲｽﾞ", headers=beta_headers).get_json() == []
    owner = app.test_client()
    log_in(owner, alpha["email"], PASSWORD)
    page = owner.get("/shops/alpha/script/versions/1?q=さいず").get_data(as_text=True)
    assert 'data-testid="search-results"' in page
    assert "到着後7日以内なら承ります。" in page
