"""The coverage editor: save versions, bad input keeps what was saved, closures, 臨時休業, preview."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tenants.coverage.models import CoverageVersion
from tenants.coverage.services import today_in_tokyo
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop

PAGE = "/shops/alpha/coverage/"


def owner_client(app: Flask) -> FlaskClient:
    shop = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, shop["email"], PASSWORD)
    return client


def week_form(client: FlaskClient, **days: str) -> dict[str, str]:
    data = {f"day_{d}": "" for d in range(7)}
    data.update(days)
    data.update(
        holiday_mode="closed",
        holiday_bands="",
        csrf_token=csrf_token(client, PAGE),
        effective_from=today_in_tokyo().isoformat(),
    )
    return data


def versions(app: Flask) -> int:
    with system(app) as session:
        return int(session.scalar(select(func.count()).select_from(CoverageVersion)) or 0)


def test_editor_is_japanese_and_empty_at_first(app: Flask) -> None:
    client = owner_client(app)
    page = client.get(PAGE).get_data(as_text=True)
    assert "対応時間" in page
    assert "営業時間外" in page
    assert "まだ対応時間が保存されていません" in page


def test_saving_hours_makes_a_version_and_shows_it(app: Flask) -> None:
    client = owner_client(app)
    data = week_form(client, day_0="09:00-12:00, 13:00-18:00", day_4="22:00-02:00")
    response = client.post(PAGE, data=data)
    assert response.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="09:00-12:00, 13:00-18:00"' in page
    assert 'value="22:00-02:00"' in page
    assert versions(app) == 1
    # The day the hours apply from reads as a day: 「11月25日(水) から適用されます」.
    assert re.search(r"保存しました。この対応時間は \d+月\d+日\(.\) から適用されます。", page)


def test_each_save_is_a_new_version(app: Flask) -> None:
    client = owner_client(app)
    client.post(PAGE, data=week_form(client, day_0="09:00-18:00"))
    client.post(PAGE, data=week_form(client, day_0="10:00-18:00"))
    assert versions(app) == 2
    assert 'value="10:00-18:00"' in client.get(PAGE).get_data(as_text=True)


def test_bad_input_is_explained_next_to_the_field_and_nothing_changes(app: Flask) -> None:
    client = owner_client(app)
    client.post(PAGE, data=week_form(client, day_0="09:00-18:00"))
    cases = {
        "day_1": ("09:00-12:00, 11:00-13:00", "重なっています"),
        "day_2": ("10:00-10:00", "開始と終了が同じ"),
        "day_3": ("18:00-09:15", "30分単位"),
    }
    for field, (value, message) in cases.items():
        response = client.post(PAGE, data=week_form(client, **{field: value}))
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    past = week_form(client, day_0="09:00-18:00")
    past["effective_from"] = (today_in_tokyo() - timedelta(days=1)).isoformat()
    response = client.post(PAGE, data=past)
    assert response.status_code == 400
    assert "過去の日付" in response.get_data(as_text=True)
    assert versions(app) == 1


def test_band_running_into_next_day_is_refused(app: Flask) -> None:
    client = owner_client(app)
    response = client.post(PAGE, data=week_form(client, day_0="22:00-03:00", day_1="02:00-05:00"))
    assert response.status_code == 400
    assert "にはみ出しています" in response.get_data(as_text=True)


def test_template_fills_the_form_without_saving(app: Flask) -> None:
    client = owner_client(app)
    data = week_form(client)
    data["template"] = "weekdays_9_21"
    page = client.post(PAGE, data=data).get_data(as_text=True)
    assert page.count('value="09:00-21:00"') == 5
    assert versions(app) == 0


def test_preview_answers_for_a_date_and_time(app: Flask) -> None:
    client = owner_client(app)
    client.post(
        PAGE,
        data=week_form(
            client,
            day_0="09:00-18:00",
            day_1="09:00-18:00",
            day_2="09:00-18:00",
            day_3="09:00-18:00",
            day_4="09:00-18:00",
        ),
    )
    monday = today_in_tokyo() + timedelta(days=7 - today_in_tokyo().weekday())
    inside = client.get(f"{PAGE}?check_date={monday.isoformat()}&check_time=10:00")
    assert "対応します" in inside.get_data(as_text=True)
    outside = client.get(f"{PAGE}?check_date={monday.isoformat()}&check_time=19:00")
    assert "対応しません" in outside.get_data(as_text=True)


def test_closures_and_their_errors(app: Flask) -> None:
    client = owner_client(app)
    token = csrf_token(client, PAGE)
    today = today_in_tokyo()
    ok = client.post(
        f"{PAGE}closures",
        data={
            "starts_on": (today + timedelta(days=3)).isoformat(),
            "ends_on": (today + timedelta(days=5)).isoformat(),
            "reason": "棚卸し",
            "csrf_token": token,
        },
    )
    assert ok.status_code == 302
    past = client.post(
        f"{PAGE}closures",
        data={
            "starts_on": (today - timedelta(days=9)).isoformat(),
            "ends_on": (today - timedelta(days=8)).isoformat(),
            "csrf_token": token,
        },
    )
    assert past.status_code == 400
    assert "過去" in past.get_data(as_text=True)
    backwards = client.post(
        f"{PAGE}closures",
        data={
            "starts_on": (today + timedelta(days=9)).isoformat(),
            "ends_on": (today + timedelta(days=8)).isoformat(),
            "csrf_token": token,
        },
    )
    assert "最終日が開始日より前です" in backwards.get_data(as_text=True)
    client.post(f"{PAGE}closures", data={"preset": "year_end", "csrf_token": token})
    page = client.get(PAGE).get_data(as_text=True)
    assert "棚卸し" in page
    assert "年末年始" in page


def test_emergency_closure_on_and_off(app: Flask) -> None:
    client = owner_client(app)
    client.post(PAGE, data=week_form(client, **{f"day_{d}": "00:00-24:00" for d in range(7)}))
    assert "対応中" in client.get(PAGE).get_data(as_text=True)
    token = csrf_token(client, PAGE)
    client.post(f"{PAGE}emergency", data={"message": "本日は臨時休業です。", "csrf_token": token})
    page = client.get(PAGE).get_data(as_text=True)
    assert "臨時休業中" in page
    assert "本日は臨時休業です。" in page
    client.post(f"{PAGE}emergency/end", data={"csrf_token": csrf_token(client, PAGE)})
    assert "臨時休業中" not in client.get(PAGE).get_data(as_text=True)


def test_members_may_look_but_not_change(app: Flask) -> None:
    from tenants import services
    from tenants.models import Shop, ShopRole

    make_shop(app, "alpha")
    with system(app) as session:
        member = services.create_user(
            email="staff@alpha.example.jp", display_name="m", password=PASSWORD
        )
        services.add_member(session.scalars(select(Shop)).one(), member, ShopRole.MEMBER)
    client = app.test_client()
    log_in(client, "staff@alpha.example.jp", PASSWORD)
    assert client.get(PAGE).status_code == 200
    response = client.post(PAGE, data=week_form(client, day_0="09:00-18:00"))
    assert response.status_code == 403
    assert "オーナーだけ" in response.get_data(as_text=True)
    assert versions(app) == 0


def test_another_shops_coverage_is_404(app: Flask) -> None:
    client = owner_client(app)
    make_shop(app, "beta")
    assert client.get("/shops/beta/coverage/").status_code == 404
    token = csrf_token(client, PAGE)
    assert (
        client.post(
            "/shops/beta/coverage/emergency", data={"message": "x", "csrf_token": token}
        ).status_code
        == 404
    )
