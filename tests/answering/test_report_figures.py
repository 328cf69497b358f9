"""Report figures against an independent count from raw call records: hand-built cases at the
edges (short abandons, callbacks, midnight and month ends, calls outside coverage), groupings by
day, interval, shop and team, a second shop that never leaks, charts and CSV in the pages."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering import report_csv, rollups
from answering.models import Call
from tenants import services
from tenants.coverage.services import TOKYO
from tenants.models import Shop, StaffRole, User
from tests.answering.call_records import add_call
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff
from tests.tenants.test_api import bearer, token_for


@dataclass(frozen=True)
class Spec:
    """One call: when it entered the queue (Tokyo wall time), its outcome, wait and talk."""

    shop: str
    queued: str
    outcome: str
    wait: int = 0
    talk: int = 0
    in_coverage: bool = True
    queue: str = "team-default"
    menu_s: int = 0
    operator: str = "-"

    @property
    def queued_at(self) -> datetime:
        return datetime.fromisoformat(self.queued).replace(tzinfo=TOKYO)


CASES = [
    # alpha, 31 October: the month's last minute, one call over midnight
    Spec("alpha", "2026-10-31 09:00:00", "answered", wait=5, talk=100, operator="op1"),
    Spec("alpha", "2026-10-31 09:10:00", "answered", wait=25, talk=200, operator="op2"),
    Spec("alpha", "2026-10-31 09:29:59", "abandoned", wait=40),
    Spec("alpha", "2026-10-31 09:30:00", "short_abandon", wait=3),
    Spec("alpha", "2026-10-31 09:31:00", "callback", wait=60),
    Spec("alpha", "2026-10-31 23:59:50", "answered", wait=20, talk=300, operator="op1"),
    Spec("alpha", "2026-10-31 12:00:00", "answered", wait=1, talk=50, in_coverage=False),
    # alpha, 1 November: a call that waited in the menu before midnight
    Spec("alpha", "2026-11-01 00:00:10", "answered", wait=21, talk=60, menu_s=30, operator="op2"),
    Spec("alpha", "2026-11-01 00:05:00", "abandoned", wait=10),
    Spec("alpha", "2026-11-01 08:00:00", "after_hours_message", in_coverage=False),
    # beta, the same days: never in alpha's figures
    Spec("beta", "2026-10-31 09:05:00", "abandoned", wait=30, queue="team-b"),
    Spec(
        "beta", "2026-11-01 10:00:00", "answered", wait=2, talk=90, queue="team-b", operator="op1"
    ),
]


def insert(app: Flask, specs: list[Spec]) -> None:
    with system(app) as session:
        shops = {s.slug: s.id for s in session.scalars(select(Shop))}
        operators = {u.display_name: u.id for u in session.scalars(select(User))}
        for spec in specs:
            add_call(
                session,
                shops[spec.shop],
                spec.queued_at,
                spec.outcome,
                wait=spec.wait,
                talk=spec.talk,
                menu_s=spec.menu_s,
                in_coverage=spec.in_coverage,
                queue=spec.queue,
                operator_id=operators.get(spec.operator),
            )


def expected(specs: list[Spec], key: Any, sl: int = 20) -> dict[str, dict[str, Any]]:
    """The definitions of DESIGN.md section 2, counted by hand from the specs."""
    groups: dict[str, list[Spec]] = {}
    for spec in specs:
        if spec.in_coverage and spec.outcome in (
            "answered",
            "abandoned",
            "short_abandon",
            "callback",
        ):
            groups.setdefault(key(spec), []).append(spec)
    out = {}
    for name, calls in groups.items():
        answered = [c for c in calls if c.outcome == "answered"]
        offered = answered + [c for c in calls if c.outcome == "abandoned"]
        out[name] = {
            "offered": len(offered),
            "answered": len(answered),
            "abandoned": len(offered) - len(answered),
            "short_abandoned": sum(c.outcome == "short_abandon" for c in calls),
            "callbacks": sum(c.outcome == "callback" for c in calls),
            "answer_rate": round(len(answered) / len(offered), 4) if offered else None,
            "service_level": (
                round(sum(c.wait <= sl for c in answered) / len(offered), 4) if offered else None
            ),
            "asa_s": round(sum(c.wait for c in answered) / len(answered), 1) if answered else None,
            "aht_s": round(sum(c.talk for c in answered) / len(answered), 1) if answered else None,
        }
    return out


@pytest.fixture
def two_shops(app: Flask) -> None:
    make_shop(app, "alpha")
    make_shop(app, "beta")
    for name in ("op1", "op2"):
        with system(app):
            services.create_user(
                email=f"{name}@answering.example.jp",
                display_name=name,
                password=PASSWORD,
                staff_role=StaffRole.OPERATOR,
            )
    insert(app, CASES)


def api(client: FlaskClient, headers: dict[str, str], group_by: str, extra: str = "") -> Any:
    url = f"/api/v1/reports/answer-rate?from=2026-10-31&to=2026-11-01&group_by={group_by}{extra}"
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def figures(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in row.items() if k not in ("shop", "team", "operator", "day", "interval")
    }


@pytest.mark.usefixtures("two_shops")
def test_every_grouping_matches_an_independent_count(app: Flask, client: FlaskClient) -> None:
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    headers = bearer(token_for(app, supervisor["email"]))
    keys = {
        "day": lambda s: s.queued_at.date().isoformat(),
        "interval": lambda s: s.queued_at.replace(
            minute=s.queued_at.minute // 30 * 30, second=0
        ).isoformat(),
        "shop": lambda s: s.shop,
        "team": lambda s: s.queue,
        "operator": lambda s: s.operator,
    }
    for group_by, key in keys.items():
        rows = api(client, headers, group_by)
        assert {row[group_by]: figures(row) for row in rows} == expected(CASES, key), group_by


@pytest.mark.usefixtures("two_shops")
def test_midnight_and_month_end_count_where_the_call_entered_the_queue(
    app: Flask, client: FlaskClient
) -> None:
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    headers = bearer(token_for(app, supervisor["email"]))
    october = api(client, headers, "day", "&shop=alpha")[0]
    assert october["day"] == "2026-10-31"
    # 3 answered (one over midnight), 1 abandoned; the short abandon, the callback and the call
    # outside coverage apart
    assert (october["offered"], october["answered"], october["short_abandoned"]) == (4, 3, 1)
    assert october["callbacks"] == 1
    one_day = client.get(
        "/api/v1/reports/answer-rate?from=2026-11-01&to=2026-11-01&group_by=day&shop=alpha",
        headers=headers,
    ).get_json()
    # the call that arrived at 23:59:40 and queued at 00:00:10 belongs to 1 November
    assert [(r["day"], r["offered"], r["answered"]) for r in one_day] == [("2026-11-01", 2, 1)]


@pytest.mark.usefixtures("two_shops")
def test_a_shop_sees_only_its_own_calls(app: Flask, client: FlaskClient) -> None:
    alpha = bearer(token_for(app, "owner@alpha.example.jp", "alpha"))
    mine = {row["day"]: figures(row) for row in api(client, alpha, "day")}
    assert mine == expected(
        [c for c in CASES if c.shop == "alpha"], lambda s: s.queued_at.date().isoformat()
    )
    url = "/api/v1/reports/answer-rate?from=2026-10-31&to=2026-11-01&group_by=day&shop=beta"
    assert client.get(url, headers=alpha).status_code == 404
    page = app.test_client()
    log_in(page, "owner@alpha.example.jp", PASSWORD)
    html = page.get("/shops/alpha/reports/?from=2026-10-31&to=2026-11-01").get_data(as_text=True)
    assert "2026-10-31" in html
    assert "team-b" not in html
    assert page.get("/shops/beta/reports/").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-11-01&to=2026-10-01&group_by=day", "to"),
        ("from=2026-13-01&to=2026-10-01&group_by=day", "from"),
        ("to=2026-10-01&group_by=day", "from"),
        ("from=2026-11-01&to=2026-11-01&group_by=week", "group_by"),
        ("from=2026-11-01&to=2026-11-01&group_by=day&shop=Not%20A%20Slug", "shop"),
        ("from=2026-11-01&to=2026-11-01&group_by=day&grup=shop", "grup"),
        ("from=2024-01-01&to=2026-11-01&group_by=day", "to"),
    ],
)
def test_bad_parameters_answer_problem_json_naming_the_parameter(
    app: Flask, client: FlaskClient, query: str, field: str
) -> None:
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    response = client.get(
        f"/api/v1/reports/answer-rate?{query}", headers=bearer(token_for(app, supervisor["email"]))
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_data(as_text=True)


@pytest.mark.usefixtures("two_shops")
def test_the_page_draws_its_charts_and_prints_the_definitions(app: Flask) -> None:
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    page = app.test_client()
    log_in(page, supervisor["email"], PASSWORD)
    html = page.get("/staff/reports/answer-rate?from=2026-10-31&to=2026-11-01&group_by=shop")
    text = html.get_data(as_text=True)
    assert html.status_code == 200
    assert 'data-chart="answer-rate"' in text
    assert 'data-chart="offered-answered"' in text
    assert "応答数 ÷ 着信数" in text
    assert 'data-testid="definitions"' in text
    assert "<script" not in text
    one_shop = page.get("/staff/reports/answer-rate?from=2026-10-31&to=2026-11-01&shop=beta")
    assert "team-b" not in one_shop.get_data(as_text=True)
    assert page.get("/staff/reports/answer-rate?shop=nobody").status_code == 400


@pytest.mark.usefixtures("two_shops")
def test_rows_read_as_days_shop_names_and_words(app: Flask) -> None:
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    page = app.test_client()
    log_in(page, supervisor["email"], PASSWORD)
    by_day = page.get("/staff/reports/answer-rate?from=2026-10-31&to=2026-11-01&group_by=day")
    text = by_day.get_data(as_text=True)
    table = text[text.index('data-testid="report"') : text.index("</table>")]
    assert "<td>10月31日(土)</td>" in table
    assert "<td>11月1日(日)</td>" in table
    assert ">10/31</text>" in text  # the chart's axis
    assert "2026-10-31" not in table
    by_shop = page.get("/staff/reports/answer-rate?from=2026-10-31&to=2026-11-01&group_by=shop")
    assert "<td>alpha shop</td>" in by_shop.get_data(as_text=True)  # the name, not the slug
    by_operator = "/staff/reports/answer-rate?from=2026-10-31&to=2026-11-01&group_by=operator"
    operators = page.get(by_operator).get_data(as_text=True)
    assert "<td>オペレーター未接続</td>" in operators  # calls that never reached anyone
    assert "<td>-</td>" not in operators
    shop_csv = page.get(
        "/staff/reports/answer-rate?from=2026-10-31&to=2026-11-01&group_by=shop&format=csv"
    )
    assert "alpha shop," in shop_csv.data.decode("utf-8-sig")
    by_slot = page.get("/staff/reports/answer-rate?from=2026-10-31&to=2026-11-01&group_by=interval")
    assert "<td>10月31日(土) " in by_slot.get_data(as_text=True)


@pytest.mark.usefixtures("two_shops")
def test_the_csv_opens_in_excel_with_the_same_rows(app: Flask, client: FlaskClient) -> None:
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    page = app.test_client()
    log_in(page, supervisor["email"], PASSWORD)
    response = page.get(
        "/staff/reports/answer-rate?from=2026-10-31&to=2026-11-01&group_by=interval&format=csv"
    )
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in response.data
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    api_rows = api(client, bearer(token_for(app, supervisor["email"])), "interval")
    assert [r["時間帯"] for r in rows] == [r["interval"] for r in api_rows]
    assert [int(r["着信数"]) for r in rows] == [r["offered"] for r in api_rows]
    assert list(rows[0])[:3] == ["時間帯", "着信数", "応対済み"]


@pytest.mark.usefixtures("two_shops")
def test_the_csv_speaks_english_to_a_reader_who_chose_english(app: Flask) -> None:
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    page = app.test_client()
    log_in(page, supervisor["email"], PASSWORD)
    page.post("/locale", data={"locale": "en", "csrf_token": csrf_token(page, "/staff/")})
    response = page.get("/staff/reports/answer-rate?from=2026-10-31&to=2026-11-01&format=csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    header = response.data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Day,Offered,Answered,Abandoned")
    assert header.endswith("ASA (s),AHT (s)")


@pytest.mark.usefixtures("two_shops")
def test_reports_read_from_day_rollups_match_the_call_records(
    app: Flask, client: FlaskClient
) -> None:
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    headers = bearer(token_for(app, supervisor["email"]))
    before = {group_by: api(client, headers, group_by) for group_by in ("shop", "team", "day")}
    with system(app):
        # 31 October only: 1 November still comes from the call records
        assert rollups.roll(date(2026, 10, 31), date(2026, 11, 1), 20) > 0
    for group_by, rows in before.items():
        assert api(client, headers, group_by) == rows, group_by
    # a late callback turns alpha's abandoned call of 31 October into an answered one
    with system(app) as session:
        call = session.scalars(
            select(Call).where(
                Call.outcome == "abandoned",
                Call.queued_at == CASES[2].queued_at,
            )
        ).one()
        call.outcome, call.answered_at = "answered", call.queued_at + timedelta(seconds=40)
        rollups.roll(date(2026, 10, 31), date(2026, 11, 1), 20)
    [alpha] = api(client, headers, "day", "&shop=alpha")[:1]
    assert (alpha["day"], alpha["answered"], alpha["abandoned"]) == ("2026-10-31", 4, 0)


def test_the_rollup_command_recounts_from_a_day(app: Flask) -> None:
    make_shop(app, "alpha")
    make_shop(app, "beta")
    insert(app, CASES)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "rollup", "--since", "2026-10-31"])
    assert result.exit_code == 0, result.output
    assert "day rows for 2026-10-31 to" in result.stdout
    assert runner.invoke(args=["reports", "rollup", "--since", "2999-01-01"]).exit_code == 2
    assert runner.invoke(args=["reports", "rollup", "--since", "yesterday"]).exit_code == 2


@pytest.mark.usefixtures("two_shops")
def test_a_shop_token_never_learns_which_operator_took_its_calls(
    app: Flask, client: FlaskClient
) -> None:
    alpha = bearer(token_for(app, "owner@alpha.example.jp", "alpha"))
    url = "/api/v1/reports/answer-rate?from=2026-10-31&to=2026-11-01&group_by=operator"
    refused = client.get(url, headers=alpha)
    assert refused.status_code == 422
    assert "group_by" in refused.get_data(as_text=True)


def test_csv_cells_excel_would_run_are_kept_as_text(app: Flask) -> None:
    with app.test_request_context():
        data = report_csv.as_csv(
            [{"operator": "=HYPERLINK(1)", "offered": 1}, {"operator": "山田", "offered": 2}],
            ["operator"],
        )
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["オペレーター"] for r in rows] == ["'=HYPERLINK(1)", "山田"]


@pytest.mark.usefixtures("two_shops")
def test_callbacks_we_place_are_never_offered(app: Flask, client: FlaskClient) -> None:
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    headers = bearer(token_for(app, supervisor["email"]))
    before = api(client, headers, "day")
    with system(app) as session:
        alpha = session.scalars(select(Shop).where(Shop.slug == "alpha")).one().id
        queued = datetime(2026, 10, 31, 15, 0, tzinfo=TOKYO)
        add_call(session, alpha, queued, "answered", wait=3, talk=60, direction="outbound")
    assert api(client, headers, "day") == before


def test_aht_adds_the_after_call_work_filed_on_the_console(app: Flask, client: FlaskClient) -> None:
    make_shop(app, "alpha")
    with system(app) as session:
        alpha = session.scalars(select(Shop).where(Shop.slug == "alpha")).one().id
        queued = datetime(2026, 10, 31, 10, 0, tzinfo=TOKYO)
        add_call(session, alpha, queued, "answered", wait=5, talk=100, after_call_work_s=30)
        add_call(session, alpha, queued, "answered", wait=5, talk=200)  # not filed yet
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    [row] = api(client, bearer(token_for(app, supervisor["email"])), "day", "&shop=alpha")
    assert row["aht_s"] == (100 + 30 + 200) / 2
