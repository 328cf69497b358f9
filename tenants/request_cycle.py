"""Each request: scoped to who is asking, committed once at the end, sent with safe headers."""

from __future__ import annotations

from contextlib import suppress

from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from tenants.auth import scope_to_logged_in_user
from tenants.db import db
from tenants.errors import handle_database_unavailable
from tenants.machine_requests import for_machines

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI's page starts it with an inline script and styles; its files are ours (no CDN).
API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
).replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


def init_app(app: Flask) -> None:
    csrf.init_app(app)

    @app.before_request
    @for_machines
    def _refuse_nul_bytes() -> None:
        # PostgreSQL text cannot hold NUL; no form, query or JSON value of ours needs one.
        values = [*request.args.values(), *request.args.keys()]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += [*request.form.values(), *request.form.keys()]
        elif request.is_json:
            values.append(request.get_data(as_text=True))
        if any("\x00" in value or "\\u0000" in value for value in values):
            raise BadRequest("NUL bytes are not accepted.")

    @app.before_request
    def _scope() -> None:
        # The API scopes to its token's shop; the carrier's webhooks carry no login (a new
        # session's scope is nothing until the webhook scopes itself to the call's shop).
        if not request.path.startswith(("/api/", "/carrier/")):
            scope_to_logged_in_user()

    @app.after_request
    @for_machines
    def _commit(response: Response) -> Response:
        # The one commit of a request (DESIGN.md section 3, rule 1). An error answer discards what
        # the request wrote, unless the view kept it on purpose (a counted failed login).
        if response.status_code < 400 or g.get("keep_changes"):
            try:
                db.session.commit()
            except OperationalError as lost:
                # The database went away at the commit: the client is told to send it again.
                with suppress(SQLAlchemyError):
                    db.session.rollback()
                return handle_database_unavailable(lost)
        else:
            db.session.rollback()
        return response

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        docs = request.path.startswith("/api/docs")
        policy = API_DOCS_POLICY if docs else CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        return response
