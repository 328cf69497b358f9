"""Errors: `application/problem+json` (RFC 9457) under `/api/`, plain text to the carrier, a page in
the user's language elsewhere."""

from __future__ import annotations

import json
import logging
from typing import Any

import marshmallow as ma
from flask import make_response, render_template, request
from flask_babel import gettext
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.wrappers import Response

from tenants.machine_requests import from_machine

log = logging.getLogger(__name__)
#: Seconds a client should wait before sending a request again after a 503.
RETRY_AFTER_S = 1


class ProblemSchema(ma.Schema):
    """The body of every API error (documentation only)."""

    type = ma.fields.String(metadata={"description": "Always about:blank"})
    title = ma.fields.String(metadata={"description": "The HTTP status phrase"})
    status = ma.fields.Integer()
    detail = ma.fields.String(metadata={"description": "What went wrong, for a person"})
    errors = ma.fields.Dict(metadata={"description": "Invalid fields and why"})


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
    )


def handle_http_exception(error: HTTPException) -> Response | tuple[str, int]:
    code = error.code or 500
    if from_machine(request):
        return machine_error(error)
    if is_api_request():
        data = getattr(error, "data", None) or {}
        extra: dict[str, Any] = {}
        errors = data.get("errors") or data.get("messages")
        if errors:
            extra["errors"] = errors
        detail = data.get("message") or _api_detail(error)
        response = problem(code, error.name, detail, **extra)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    return render_template("errors/error.html", code=code, message=_page_message(error)), code


def machine_error(error: HTTPException) -> Response:
    """A machine (the carrier) reads the status and its headers (`Retry-After`), not a page."""
    code = error.code or 500
    response = Response(f"{code} {error.name}\n", status=code, mimetype="text/plain")
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_database_unavailable(error: OperationalError) -> Response:
    """The database could not serve the request (restarting, failing over, a lost connection):
    503 with `Retry-After`, so that the carrier (whose callbacks and TwiML fetches retry a 503) and
    API clients send it again rather than take it for a fault of their request. Nothing was
    written: the request's transaction is rolled back by the teardown."""
    log.warning("database unavailable for %s %s: %s", request.method, request.path, error.orig)
    response = make_response(handle_http_exception(ServiceUnavailable()))
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def _api_detail(error: HTTPException) -> str | None:
    if error.code == 404:
        return "No such resource, or not one you can reach."
    if error.code == 500:
        return "Something went wrong on our side; it is logged."
    if error.code == 503:
        return "The service is briefly unavailable; try again in a moment."
    return error.description


def _page_message(error: HTTPException) -> str:
    if error.code == 400 and type(error).__name__ == "CSRFError":
        return str(
            gettext(
                "This form has expired or did not come from this site. Go back, reload the page "
                "and send it again."
            )
        )
    messages = {
        400: gettext("The request could not be understood."),
        403: gettext("Only the shop's owners can do this."),
        404: gettext("There is no such page, or it is not one you can see."),
        405: gettext("This page cannot be used that way."),
        410: gettext("This link is no longer valid."),
        429: gettext("Too many attempts. Wait a minute and try again."),
        500: gettext("Something went wrong on our side. It has been logged; please try again."),
        503: gettext("The service is briefly unavailable. Please try again in a moment."),
    }
    return str(messages.get(error.code or 500, error.name))
