"""Products from CSV: Shopify's export, our own columns, Shift_JIS, limits, rejected rows."""

from __future__ import annotations

import pytest
from flask import Flask

from tenants.scripts.csv_import import MAX_BYTES, ImportRefused, parse_products

SHOPIFY = """Handle,Title,Body (HTML),Vendor,Type,Tags,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Price
linen-shirt,リネンシャツ,<p>フレンチリネン<strong>100%</strong></p>,はなこ,Shirts,,サイズ,S,カラー,白,LS-S-W,5800
linen-shirt,,,,,,,M,,白,LS-M-W,5800
linen-shirt,,,,,,,M,,紺,LS-M-N,5800
mug,マグカップ,,はなこ,Kitchen,,Title,Default Title,,,MUG-1,1200
,orphan,,,,,,,,,,
"""


@pytest.fixture(autouse=True)
def _context(app: Flask):  # messages are translated, so parse inside the application
    with app.test_request_context():
        yield


def test_shopify_variants_become_one_product_with_sizes_and_colours() -> None:
    report = parse_products(SHOPIFY.encode())
    shirt, mug = report.products
    assert shirt["name"] == "リネンシャツ"
    assert shirt["sku"] == "LS-S-W"
    assert shirt["sizes"] == ["S", "M"]
    assert shirt["colours"] == ["白", "紺"]
    assert shirt["notes"] == "フレンチリネン 100%"
    assert mug["sizes"] == []
    assert report.rejected == [(6, "Handle がありません")]


def test_own_columns_in_shift_jis() -> None:
    text = "name,reading,sku,sizes,colours,material\n帆布トート,ハンプトート,TOTE-1,M/L,生成り、黒,綿100%\n,,,,,\n"
    report = parse_products(text.encode("cp932"))
    [tote] = report.products
    assert tote["sizes"] == ["M", "L"]
    assert tote["colours"] == ["生成り", "黒"]
    assert tote["material"] == "綿100%"


def test_bad_rows_are_reported_with_their_line() -> None:
    text = "name,url\n良い商品,https://shop.example.jp/a\n悪いURL,javascript:alert(1)\n,https://x.example\n"
    report = parse_products(text.encode())
    assert [p["name"] for p in report.products] == ["良い商品"]
    assert [line for line, _ in report.rejected] == [3, 4]


def test_files_over_the_limit_and_without_columns_are_refused() -> None:
    with pytest.raises(ImportRefused, match="2 MB"):
        parse_products(b"name\n" + b"x" * MAX_BYTES)
    with pytest.raises(ImportRefused, match="1行目"):
        parse_products("商品,価格\nA,1\n".encode())
    with pytest.raises(ImportRefused, match="Shift_JIS"):
        parse_products(b"name\n\xff\xfe\xfa\xfb\xfc")
