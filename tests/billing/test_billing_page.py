"""The owner's billing page: the running amount, invoices with their status, each as a qualified
invoice on the page and as a PDF; nobody else's."""

from __future__ import annotations

import calendar
import io
import re
import zipfile
from datetime import date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select, update

from billing.invoice_pdf import invoice_pdf
from billing.models import Invoice
from tenants import services
from tenants.coverage.services import TOKYO
from tenants.models import Shop, ShopRole
from tests.billing.support import ISSUER, REGISTRATION, add_rate_card, last_month, old_shop
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD


def billed_owner(
    app: Flask, slug: str = "alpha", since: date = date(2025, 1, 1)
) -> tuple[FlaskClient, str]:
    add_rate_card(app)
    shop = old_shop(app, slug, since)
    result = app.test_cli_runner().invoke(args=["billing", "run", "--period", str(last_month())])
    assert result.exit_code == 0, result.output
    with system(app) as session:
        invoice_id = str(session.scalar(select(Invoice.id)))
    client = app.test_client()
    log_in(client, shop["email"], PASSWORD)
    return client, invoice_id


def test_the_owner_sees_the_running_amount_and_the_invoices(app: Flask) -> None:
    client, _ = billed_owner(app)
    page = client.get("/shops/alpha/billing/").get_data(as_text=True)
    assert 'data-testid="running-estimate"' in page
    assert "月額最低料金が適用されます" in page
    assert f"{last_month().year}年{last_month().month}月分" in page
    assert "¥33,000" in page
    assert "お支払い待ち" in page


def test_an_invoice_reads_as_a_qualified_invoice(app: Flask) -> None:
    client, invoice_id = billed_owner(app)
    page = client.get(f"/shops/alpha/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert "適格請求書" in page
    assert ISSUER in page
    assert f"登録番号：{REGISTRATION}" in page
    assert "alpha shop 御中" in page
    assert "10%対象" in page
    assert "消費税（10%）" in page
    assert "¥3,000" in page
    assert "¥33,000" in page
    assert "状態：お支払い待ち" in page  # the full-width colon of the lines above it
    assert "状態:" not in page
    assert f"取引期間：{span(1)}" in page  # the whole month: the shop was with us all of it
    assert f"お支払期限：{due_date(app)}" in page
    assert "お支払方法：ご登録のクレジットカード（発行日に決済）" in page


def test_the_pdf_carries_the_same_figures(app: Flask) -> None:
    client, invoice_id = billed_owner(app)
    response = client.get(f"/shops/alpha/billing/invoices/{invoice_id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    for expected in (
        "適格請求書",
        ISSUER,
        REGISTRATION,
        "alpha shop 御中",
        "月額最低料金（不足分）",
        "¥30,000",
        "10%対象",
        "¥3,000",
        "¥33,000",
        f"お支払期限：{due_date(app)}",
        "お支払方法：ご登録のクレジットカード（発行日に決済）",
    ):
        assert expected in text, (expected, text)


def due_date(app: Flask) -> str:
    """The invoice's issue date + 29 days: unpaid the day after, it counts as overdue."""
    with system(app) as session:
        issued = session.scalars(select(Invoice.issued_on)).one()
    due = issued + timedelta(days=29)
    return f"{due.year}年{due.month}月{due.day}日"


def span(first: int, last: int | None = None) -> str:
    """Last month from its day `first` to its day `last` (its last day), as an invoice writes it."""
    month = last_month()
    end = last or month.last_day.day
    return f"{month.year}年{month.month}月{first}日〜{month.year}年{month.month}月{end}日"


def test_a_shop_that_started_in_the_month_has_its_transactions_from_its_first_day(
    app: Flask,
) -> None:
    """Created on the 25th: the invoice and its PDF date the transactions from the 25th, 〜."""
    month = last_month()
    client, invoice_id = billed_owner(app, since=date(month.year, month.month, 25))
    page = client.get(f"/shops/alpha/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert f"取引期間：{span(25)}" in page
    pdf = client.get(f"/shops/alpha/billing/invoices/{invoice_id}/pdf").data
    assert f"取引期間：{span(25)}" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_shop_that_closed_in_the_month_has_its_transactions_to_its_last_day(
    app: Flask,
) -> None:
    """Closed on the 10th (in the evening, Tokyo): its last invoice ends on the 10th."""
    month = last_month()
    add_rate_card(app)
    old_shop(app, "alpha")
    old_shop(app, "beta")  # with us all month: its invoice keeps the whole month
    closed = datetime(month.year, month.month, 10, 21, tzinfo=TOKYO)
    with system(app) as session:
        session.execute(
            update(Shop).where(Shop.slug == "alpha").values(status="closed", closed_at=closed)
        )
    result = app.test_cli_runner().invoke(args=["billing", "run", "--period", str(month)])
    assert result.exit_code == 0, result.output
    with system(app) as session:
        texts = {
            shop.slug: PdfReader(io.BytesIO(invoice_pdf(invoice, shop))).pages[0].extract_text()
            for invoice, shop in session.execute(
                select(Invoice, Shop).join(Shop, Shop.id == Invoice.shop_id)
            )
        }
    assert f"取引期間：{span(1, 10)}" in texts["alpha"]
    assert f"取引期間：{span(1)}" in texts["beta"]


def test_other_shops_get_404_and_members_403(app: Flask) -> None:
    _, invoice_id = billed_owner(app)
    beta = old_shop(app, "beta")
    other = app.test_client()
    log_in(other, beta["email"], PASSWORD)
    for url in (
        "/shops/alpha/billing/",
        f"/shops/alpha/billing/invoices/{invoice_id}",
        f"/shops/alpha/billing/invoices/{invoice_id}/pdf",
        f"/shops/beta/billing/invoices/{invoice_id}",  # alpha's invoice through beta's URL
        f"/shops/beta/billing/invoices/{invoice_id}/pdf",
        "/shops/beta/billing/invoices/not-an-id",
    ):
        assert other.get(url).status_code == 404, url
    assert other.get("/shops/beta/billing/").status_code == 200


def test_the_shops_export_carries_its_invoices(app: Flask) -> None:
    client, _ = billed_owner(app)
    page = "/shops/alpha/account/"
    response = client.post(page + "export", data={"csrf_token": csrf_token(client, page)})
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    number = f"{last_month().year}{last_month().month:02d}-alpha"
    assert f"{number},{last_month()}" in archive.read("alpha/invoices.csv").decode("utf-8-sig")
    pdf = archive.read(f"alpha/invoices/{number}.pdf")
    assert "¥33,000" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_members_who_are_not_owners_are_refused(app: Flask) -> None:
    _, invoice_id = billed_owner(app)
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        clerk = services.create_user(
            email="clerk@alpha.example.jp", display_name="clerk", password=PASSWORD
        )
        services.add_member(shop, clerk, ShopRole.MEMBER)
    member = app.test_client()
    log_in(member, "clerk@alpha.example.jp", PASSWORD)
    assert member.get("/shops/alpha/").status_code == 200
    for url in ("/shops/alpha/billing/", f"/shops/alpha/billing/invoices/{invoice_id}/pdf"):
        assert member.get(url).status_code == 403, url


def yen(text: str) -> int:
    return int(text.strip().removeprefix("¥").replace(",", ""))


def test_the_running_amount_is_explained_item_by_item_as_the_invoice_lists_it(
    app: Flask,
) -> None:
    """A few weekday morning hours (less than the minimum) and a phone number rented today."""
    from tenants.coverage import services as coverage
    from tenants.coverage.services import today_in_tokyo
    from tenants.numbers import services as numbers

    add_rate_card(app)
    alpha = old_shop(app, "alpha")
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        number = numbers.add_to_pool("03-4500-0001", kind="phone")
        session.flush()  # the pool number's id, for the rental
        numbers.rent(shop, number.id, actor=None, ip=None)
        mornings = {d: ("09:00-12:00" if d < 5 else "") for d in range(7)}
        coverage.save_version(shop, None, coverage.WeekInput(mornings, "as_weekday", "", None))
    client = app.test_client()
    log_in(client, alpha["email"], PASSWORD)
    page = client.get("/shops/alpha/billing/").get_data(as_text=True)
    table = page[page.index('data-testid="breakdown"') :].split("</table>")[0]
    rows = {
        kind: (label, quantity, yen(amount))
        for kind, label, quantity, amount in re.findall(
            r'<tr data-kind="(\w+)"><td[^>]*>(.*?)</td><td>(.*?)</td><td[^>]*>(.*?)</td></tr>',
            table,
        )
    }
    today = today_in_tokyo()
    month_days = calendar.monthrange(today.year, today.month)[1]
    rented = month_days - today.day + 1
    assert rows["weekday_day"][0] == "対応時間（平日 9:00〜18:00）"
    assert re.fullmatch(r"\d+時間00分", rows["weekday_day"][1])
    assert rows["minimum"][0] == "月額最低料金（不足分）"
    bands = sum(
        rows[k][2] for k in ("weekday_day", "weekday_night", "weekend_holiday") if k in rows
    )
    assert bands + rows["minimum"][2] == 30000  # topped up to the monthly minimum
    assert rows["phone"] == (
        "電話番号利用料 03-4500-0001",
        f"{rented}日（{today.month}月{today.day}日〜{today.month}月{month_days}日）",
        1000 * rented // month_days,
    )
    subtotal = sum(amount for _, _, amount in rows.values())
    assert re.search(rf"<th colspan=\"2\">小計 · 10%対象</th><th[^>]*>¥{subtotal:,}</th>", table)
    assert re.search(
        rf"<td colspan=\"2\">消費税（10%）</td><td[^>]*>¥{subtotal // 10:,}</td>", table
    )
    total = subtotal + subtotal // 10
    assert f'data-testid="estimate-total"><strong>¥{total:,}</strong></th>' in table
    after = today.replace(day=28) + __import__("datetime").timedelta(days=4)
    assert f"{after.month}月1日に請求する額： <strong" in page  # the month named
    assert f'¥{total:,}</strong> <span class="muted small">（税込）</span>' in page
    assert f"{today.year}年{today.month}月分（今日まで）" in page
    assert "今月" not in page.split('data-testid="how-computed"')[0].split("<h1>")[1]
    assert "12月29日〜1月3日（年末年始）は土日祝の料金です。" in page
    how = page[page.index('data-testid="how-computed"') :].split("</ul>")[0]
    for expected in (
        "1時間 ¥180",
        "1時間 ¥260",
        "月額最低料金 ¥30,000",
        "月 ¥1,000",
        "消費税（10%）",
    ):
        assert expected in how, expected
    assert "今月は月額最低料金が適用されます。" in how


def test_a_partial_first_month_names_its_prorated_minimum(app: Flask) -> None:
    """A shop that started today is charged the minimum for its days only, and the page says so."""
    from tenants.coverage.services import today_in_tokyo
    from tests.factories import make_shop

    add_rate_card(app)
    make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, "owner@alpha.example.jp", PASSWORD)
    page = client.get("/shops/alpha/billing/").get_data(as_text=True)
    today = today_in_tokyo()
    month_days = calendar.monthrange(today.year, today.month)[1]
    if today.day == 1:
        assert 'data-testid="prorated-minimum"' not in page  # a whole month
        return
    days = month_days - today.day + 1
    note = page[page.index('data-testid="prorated-minimum"') :].split("</span>")[0]
    assert f"{month_days}日のうちご契約の{days}日分で¥{30000 * days // month_days:,}" in note
