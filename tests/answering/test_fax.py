"""Inbound fax: fetched only from the carrier's media host, stored, served with ranges, mailed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering import fax
from answering.models import Fax
from tenants.models import Shop
from tenants.notifications import services as notifications
from tenants.numbers import services as numbers
from tests.answering.carrier import post
from tests.conftest import log_in, system
from tests.factories import PASSWORD, make_shop
from tests.smtp import SmtpStandIn

PDF = b"%PDF-1.4\n" + b"0" * 4000 + b"\n%%EOF\n"
FAX_NUMBER = "+81345000900"


class MediaHost:
    """The carrier's media host: a PDF, a redirect and an HTML page."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/media/FX1":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/pdf")
                    self.send_header("Content-Length", str(len(PDF)))
                    self.end_headers()
                    self.wfile.write(PDF)
                elif self.path == "/status/503":
                    self.send_response(503)
                    self.end_headers()
                elif self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data")
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    self.wfile.write(b"<html></html>")

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def media(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaHost]:
    host = MediaHost()
    monkeypatch.setitem(app.config, "CARRIER_MEDIA_HOSTS", (host.host,))
    monkeypatch.setitem(app.config, "CARRIER_MEDIA_ALLOW_PRIVATE", True)
    yield host
    host.server.shutdown()
    host.server.server_close()


def shop_with_fax_number(app: Flask) -> dict[str, str]:
    alpha = make_shop(app, "alpha")
    with system(app) as session:
        shop = session.scalars(select(Shop)).one()
        number = numbers.add_to_pool("03-4500-0900", kind="fax")
        session.flush()
        numbers.rent(shop, number.id, actor=None, ip=None)
        notifications.update(
            shop, emails=["office@alpha.example.jp"], webhook_url="", categories={"fax": "instant"}
        )
    return alpha


def send_fax(app: Flask, client: FlaskClient, media_url: str) -> object:
    return post(
        app,
        client,
        "/carrier/fax",
        {"From": "+81612345678", "To": FAX_NUMBER, "MediaUrl": media_url, "NumPages": "2"},
    )


def the_fax(app: Flask) -> Fax:
    with system(app) as session:
        found = session.scalars(select(Fax)).one()
        session.expunge(found)
        return found


def test_fax_is_stored_served_and_mailed(
    app: Flask, client: FlaskClient, media: MediaHost, smtp: SmtpStandIn
) -> None:
    alpha = shop_with_fax_number(app)
    assert send_fax(app, client, f"http://{media.host}/media/FX1").status_code == 204
    send_fax(app, client, f"http://{media.host}/media/FX1")  # a retried callback
    received = the_fax(app)
    assert (received.status, received.size_bytes, received.pages) == ("stored", len(PDF), 2)
    [mail] = smtp.messages
    assert mail["To"] == "office@alpha.example.jp"
    attachments = list(mail.iter_attachments())
    assert attachments[0].get_content() == PDF
    owner = app.test_client()
    log_in(owner, alpha["email"], PASSWORD)
    url = f"/shops/alpha/faxes/{received.id}.pdf"
    whole = owner.get(url)
    assert whole.data == PDF
    whole.close()  # send_file streams from an open file
    partial = owner.get(url, headers={"Range": "bytes=0-7"})
    assert partial.status_code == 206
    assert partial.data == b"%PDF-1.4"
    partial.close()
    listed = owner.get("/shops/alpha/faxes/").get_data(as_text=True)
    assert "<th>送信元</th>" in listed
    assert "<td>06-1234-5678</td>" in listed  # as people write numbers, never +81…
    assert "+81612345678" not in listed
    assert "06-1234-5678 から 2 ページのFAXが届きました。" in mail.get_body().get_content()
    card = owner.get("/shops/alpha/").get_data(as_text=True)
    assert "06-1234-5678" in card
    assert "+81612345678" not in card


@pytest.mark.parametrize(
    ("path_or_url", "reason"),
    [
        ("https://evil.example/fax.pdf", "not a carrier media host"),
        ("/redirect", "redirect refused"),
        ("/page.html", "not a PDF"),
    ],
)
def test_media_from_elsewhere_is_never_fetched(
    app: Flask, client: FlaskClient, media: MediaHost, path_or_url: str, reason: str
) -> None:
    shop_with_fax_number(app)
    url = path_or_url if path_or_url.startswith("https") else f"http://{media.host}{path_or_url}"
    assert send_fax(app, client, url).status_code == 204
    failed = the_fax(app)
    assert failed.status == "failed"
    assert reason in failed.error


def test_private_addresses_are_refused_outside_tests(app: Flask) -> None:
    with app.test_request_context():
        app.config["CARRIER_MEDIA_HOSTS"] = ("127.0.0.1",)
        try:
            with pytest.raises(fax.FetchRefused, match="private address"):
                fax.check_media_url("https://127.0.0.1/media/x")
        finally:
            del app.config["CARRIER_MEDIA_HOSTS"]


def test_another_shop_cannot_read_the_fax(
    app: Flask, client: FlaskClient, media: MediaHost
) -> None:
    shop_with_fax_number(app)
    send_fax(app, client, f"http://{media.host}/media/FX1")
    beta = make_shop(app, "beta")
    other = app.test_client()
    log_in(other, beta["email"], PASSWORD)
    assert other.get(f"/shops/alpha/faxes/{the_fax(app).id}.pdf").status_code == 404
    assert other.get(f"/shops/beta/faxes/{the_fax(app).id}.pdf").status_code == 404


def test_a_busy_media_host_is_retried_later(
    app: Flask, client: FlaskClient, media: MediaHost
) -> None:
    from tenants.models import OutboxJob

    shop_with_fax_number(app)
    send_fax(app, client, f"http://{media.host}/status/503")
    assert the_fax(app).status == "pending"
    with system(app) as session:
        job = session.scalars(select(OutboxJob).where(OutboxJob.task.like("%store_fax"))).one()
        assert (job.state, job.attempts) == ("pending", 1)
        assert "HTTP 503" in (job.last_error or "")


def test_addresses_with_user_information_are_refused(app: Flask) -> None:
    with app.test_request_context():
        app.config["CARRIER_MEDIA_HOSTS"] = ("api.twilio.com",)
        try:
            for url in ("https://evil@api.twilio.com/x", "https://x\\@api.twilio.com/x"):
                with pytest.raises(fax.FetchRefused, match="user information"):
                    fax.check_media_url(url)
        finally:
            del app.config["CARRIER_MEDIA_HOSTS"]
