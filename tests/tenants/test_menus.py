"""Every link in each role's menu leads to a page that role may open (no 404 or 500), from the
pages where that menu shows: staff home, the callbacks list, a shop's dashboard."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tenants.models import StaffRole
from tests.conftest import log_in
from tests.factories import PASSWORD, make_shop, make_staff


def menu_links(client: FlaskClient, path: str) -> list[str]:
    page = client.get(path)
    assert page.status_code == 200, path
    text = page.get_data(as_text=True)
    menu = text[text.index('<nav class="topnav"') : text.index("</nav>")]
    return re.findall(r'href="([^"]+)"', menu)


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        (StaffRole.SUPERVISOR, ["/staff/", "/console/callbacks"]),
        (StaffRole.ADMIN, ["/staff/"]),
        (StaffRole.OPERATOR, ["/console", "/console/callbacks"]),
    ],
)
def test_every_staff_menu_link_opens(app: Flask, role: StaffRole, pages: list[str]) -> None:
    staff = make_staff(app, role)
    client = app.test_client()
    log_in(client, staff["email"], PASSWORD)
    for page in pages:
        links = menu_links(client, page)
        assert links, page
        broken = {link: client.get(link).status_code for link in links}
        assert {link: code for link, code in broken.items() if code != 200} == {}, page


def test_the_supervisor_menu_reaches_the_callbacks(app: Flask) -> None:
    staff = make_staff(app, StaffRole.SUPERVISOR)
    client = app.test_client()
    log_in(client, staff["email"], PASSWORD)
    assert "/console/callbacks" in menu_links(client, "/staff/")
    assert "/console" not in menu_links(client, "/console/callbacks")  # an operator's page


def test_every_shop_menu_link_opens(app: Flask) -> None:
    shop = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, shop["email"], PASSWORD)
    links = menu_links(client, "/shops/alpha/")
    assert "/shops/alpha/calls/" in links
    broken = {link: client.get(link).status_code for link in links}
    assert {link: code for link, code in broken.items() if code != 200} == {}
