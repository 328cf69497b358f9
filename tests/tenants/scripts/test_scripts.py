"""The FAQ script: edit the draft, publish immutable versions, diff, preview; API; shop isolation."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder, TestResponse

from tests.conftest import csrf_token, log_in
from tests.factories import PASSWORD, make_shop
from tests.tenants.test_api import bearer, token_for

PAGE = "/shops/alpha/script/"


def owner(app: Flask) -> FlaskClient:
    shop = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, shop["email"], PASSWORD)
    return client


def post(client: FlaskClient, path: str, **data: object) -> object:
    return client.post(PAGE + path, data={**data, "csrf_token": csrf_token(client, PAGE)})


def test_write_and_publish_a_script(app: Flask) -> None:
    client = owner(app)
    post(
        client,
        "basics",
        greeting="お電話ありがとうございます。はなこ雑貨店です。",
        after_hours_message="営業時間外です。",
        keywords="不良品, 返金",
        categories="",
    )
    post(client, "items/products", name="リネンシャツ", sku="LS-1", sizes="S/M/L", colours="白、紺")
    post(
        client,
        "items/faqs",
        question="洗濯機で洗えますか？",
        answer="ネットに入れて弱水流で洗えます。",
        tags="洗濯",
        products="LS-1",
    )
    post(
        client,
        "items/message_fields",
        label="注文番号",
        key="order_number",
        type="text",
        required="on",
    )
    post(client, "items/notices", title="配送遅延のお知らせ", body="年末は配送が遅れます。")
    published = post(client, "publish")
    assert published.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "バージョン1" in page
    view = client.get(PAGE + "versions/1").get_data(as_text=True)
    for text in (
        "お電話ありがとうございます。はなこ雑貨店です。",
        "洗濯機で洗えますか？",
        "S / M / L",
        "配送遅延のお知らせ",
        "注文番号",
    ):
        assert text in view


def test_publishing_an_unchanged_draft_is_refused(app: Flask) -> None:
    client = owner(app)
    post(
        client, "basics", greeting="こんにちは", after_hours_message="", keywords="", categories=""
    )
    post(client, "publish")
    again = post(client, "publish")
    assert again.status_code == 400
    assert "バージョン1から変更がありません" in again.get_data(as_text=True)


def test_versions_are_immutable_and_diffed(app: Flask) -> None:
    client = owner(app)
    post(client, "items/faqs", question="送料は？", answer="全国一律600円です。")
    post(client, "publish")
    page = client.get(PAGE).get_data(as_text=True)
    faq_id = page.split("?edit=faqs:")[1].split("#")[0]
    post(client, "items/faqs", id=faq_id, question="送料は？", answer="5,000円以上で無料です。")
    post(client, "publish")
    assert "全国一律600円です。" in client.get(PAGE + "versions/1").get_data(as_text=True)
    assert "5,000円以上で無料です。" in client.get(PAGE + "versions/2").get_data(as_text=True)
    diff = client.get(PAGE + "diff?from=1&to=2").get_data(as_text=True)
    assert '<span class="removed">- faqs: question=送料は？; answer=全国一律600円です。' in diff
    assert '<span class="added">+ faqs: question=送料は？; answer=5,000円以上で無料です。' in diff


def test_bad_items_are_explained_and_the_draft_kept(app: Flask) -> None:
    client = owner(app)
    post(client, "items/products", name="帆布トート")
    bad = post(client, "items/products", name="", sku="X")
    assert bad.status_code == 400
    menu = post(client, "items/menu", key="10", label="その他")
    assert menu.status_code == 400
    page = client.get(PAGE).get_data(as_text=True)
    assert "帆布トート" in page
    assert "その他" not in page


def upload(client: FlaskClient, content: bytes) -> TestResponse:
    """POST a CSV; the multipart body the test client spools to a file is closed afterwards."""
    builder = EnvironBuilder(
        path=PAGE + "import",
        method="POST",
        data={
            "file": (io.BytesIO(content), "products.csv"),
            "csrf_token": csrf_token(client, PAGE),
        },
    )
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def test_products_import_reports_rows(app: Flask) -> None:
    client = owner(app)
    csv_bytes = "name,sku,sizes\nマグカップ,MUG-1,\n,,\n帆布トート,TOTE-1,M/L\n".encode("cp932")
    response = upload(client, csv_bytes)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "2行を取り込み、0行を除外しました。" in body
    assert "帆布トート" in body


def test_huge_import_is_refused_and_changes_nothing(app: Flask) -> None:
    client = owner(app)
    post(client, "items/products", name="帆布トート")
    huge = b"name\n" + b"a,\n" * (1024 * 1024)
    response = upload(client, huge)
    assert response.status_code == 400
    assert "2 MB" in response.get_data(as_text=True)
    assert "帆布トート" in client.get(PAGE).get_data(as_text=True)


PAYLOADS = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
]


def test_planted_markup_is_inert_everywhere(app: Flask) -> None:
    client = owner(app)
    script, img, svg = PAYLOADS
    post(client, "basics", greeting=script, after_hours_message=img, keywords=svg, categories=img)
    post(client, "items/menu", key="1", label=script, category=img)
    post(
        client,
        "items/products",
        name=script,
        reading=img,
        sku=svg,
        material=script,
        sizes=img,
        colours=svg,
        care=script,
        notes=img,
    )
    post(client, "items/faqs", question=script, answer=img, tags=svg, products=script)
    post(client, "items/message_fields", label=script, key="order", type="text")
    post(client, "items/notices", title=script, body=img)
    post(client, "publish")
    post(client, "basics", greeting=svg, after_hours_message=script, keywords="", categories="")
    post(client, "publish")
    pages = [PAGE, PAGE + "preview", PAGE + "versions/1", PAGE + "diff?from=1&to=2"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html, path
        assert "<img src=x onerror" not in html, path
        assert "<svg onload" not in html, path
        assert "&lt;script&gt;alert" in html, path


def test_members_read_and_other_shops_get_404(app: Flask) -> None:
    client = owner(app)
    post(client, "items/faqs", question="送料は？", answer="600円")
    beta = make_shop(app, "beta")
    other = app.test_client()
    log_in(other, beta["email"], PASSWORD)
    assert other.get(PAGE).status_code == 404
    assert other.get(PAGE + "preview").status_code == 404


class TestApi:
    def test_put_publish_and_read_versions(self, app: Flask, client: FlaskClient) -> None:
        alpha = make_shop(app, "alpha")
        headers = bearer(token_for(app, alpha["email"], "alpha"))
        body = {
            "greeting": "はなこ雑貨店です。",
            "faqs": [{"question": "送料は？", "answer": "600円"}],
            "menu": [{"key": 1, "label": "ご注文について"}],
        }
        put = client.put("/api/v1/shop/script", headers=headers, json=body)
        assert put.status_code == 200, put.get_json()
        assert put.get_json()["content"]["faqs"][0]["id"]
        published = client.post("/api/v1/shop/script/publish", headers=headers)
        assert published.status_code == 201
        assert published.get_json()["number"] == 1
        version = client.get("/api/v1/shop/script/versions/1", headers=headers).get_json()
        assert version["content"]["greeting"] == "はなこ雑貨店です。"

    def test_invalid_script_is_422_and_changes_nothing(
        self, app: Flask, client: FlaskClient
    ) -> None:
        alpha = make_shop(app, "alpha")
        headers = bearer(token_for(app, alpha["email"], "alpha"))
        client.put("/api/v1/shop/script", headers=headers, json={"greeting": "元のあいさつ"})
        for bad in (
            {"menu": [{"key": 1, "label": "a"}, {"key": 1, "label": "b"}]},
            {"faqs": [{"question": "", "answer": "x"}]},
            {"products": [{"name": "x", "url": "javascript:alert(1)"}]},
            {"greeting": "x" * 1001},
        ):
            response = client.put("/api/v1/shop/script", headers=headers, json=bad)
            assert response.status_code == 422, bad
            assert response.mimetype == "application/problem+json"
        draft = client.get("/api/v1/shop/script", headers=headers).get_json()
        assert draft["content"]["greeting"] == "元のあいさつ"

    def test_other_shop_sees_none_of_it(self, app: Flask, client: FlaskClient) -> None:
        alpha = make_shop(app, "alpha")
        beta = make_shop(app, "beta")
        alpha_headers = bearer(token_for(app, alpha["email"], "alpha"))
        client.put("/api/v1/shop/script", headers=alpha_headers, json={"greeting": "alpha だけ"})
        client.post("/api/v1/shop/script/publish", headers=alpha_headers)
        beta_headers = bearer(token_for(app, beta["email"], "beta"))
        assert (
            client.get("/api/v1/shop/script", headers=beta_headers).get_json()["content"][
                "greeting"
            ]
            == ""
        )
        assert client.get("/api/v1/shop/script/versions/1", headers=beta_headers).status_code == 404
