"""The HTTP side of the local Stripe server: routes, API keys, idempotency, errors, webhooks.

Idempotency follows Stripe's documentation: the first response to a key (its status and body) is
saved once the endpoint starts executing and replayed for every retry with that key (with
`Idempotent-Replayed: true`); the same key with another endpoint or other parameters is refused
with an `idempotency_error`, and a key still in flight answers 409. Parameter validation errors are
not saved, so a corrected retry may reuse the key.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from billing.stripe_local.base import StripeError, new_id, public
from billing.stripe_local.forms import FormError, decode
from billing.stripe_local.portal import portal_page
from billing.stripe_local.signing import sign
from billing.stripe_local.store import Store

log = logging.getLogger(__name__)


@dataclass
class _Saved:
    fingerprint: str
    status: int | None = None  # None while the first request is still running
    body: bytes = b""


ROUTES = Map(
    [
        Rule("/v1/customers", methods=["POST"], endpoint="create_customer"),
        Rule("/v1/customers/<object_id>", methods=["GET"], endpoint="get_customer"),
        Rule("/v1/customers/<object_id>", methods=["POST"], endpoint="update_customer"),
        Rule(
            "/v1/customers/<object_id>/payment_methods",
            methods=["GET"],
            endpoint="customer_payment_methods",
        ),
        Rule("/v1/payment_methods", methods=["GET"], endpoint="list_payment_methods"),
        Rule("/v1/payment_methods/<object_id>", methods=["GET"], endpoint="get_payment_method"),
        Rule(
            "/v1/payment_methods/<object_id>/attach",
            methods=["POST"],
            endpoint="attach_payment_method",
        ),
        Rule("/v1/checkout/sessions", methods=["POST"], endpoint="create_checkout_session"),
        Rule("/v1/checkout/sessions/<object_id>", methods=["GET"], endpoint="get_checkout_session"),
        Rule("/v1/setup_intents/<object_id>", methods=["GET"], endpoint="get_setup_intent"),
        Rule("/v1/invoiceitems", methods=["POST"], endpoint="create_invoice_item"),
        Rule("/v1/invoiceitems/<object_id>", methods=["GET"], endpoint="get_invoice_item"),
        Rule("/v1/invoices", methods=["POST"], endpoint="create_invoice"),
        Rule("/v1/invoices", methods=["GET"], endpoint="list_invoices"),
        Rule("/v1/invoices/<object_id>", methods=["GET"], endpoint="get_invoice"),
        Rule("/v1/invoices/<object_id>/finalize", methods=["POST"], endpoint="finalize_invoice"),
        Rule("/v1/invoices/<object_id>/pay", methods=["POST"], endpoint="pay_invoice"),
        Rule("/v1/invoices/<object_id>/void", methods=["POST"], endpoint="void_invoice"),
        Rule(
            "/v1/invoices/<object_id>/mark_uncollectible",
            methods=["POST"],
            endpoint="mark_uncollectible",
        ),
        Rule("/v1/credit_notes", methods=["POST"], endpoint="create_credit_note"),
        Rule("/v1/credit_notes", methods=["GET"], endpoint="list_credit_notes"),
        Rule("/v1/credit_notes/<object_id>", methods=["GET"], endpoint="get_credit_note"),
        Rule("/v1/events", methods=["GET"], endpoint="list_events"),
        Rule("/v1/events/<object_id>", methods=["GET"], endpoint="get_event"),
        Rule("/v1/billing_portal/sessions", methods=["POST"], endpoint="create_portal_session"),
        Rule("/c/pay/<object_id>", methods=["GET", "POST"], endpoint="hosted_checkout"),
        Rule("/p/session/test_<object_id>", methods=["GET", "POST"], endpoint="hosted_portal"),
    ]
)

CHECKOUT_PAGE = """<!doctype html><html lang="ja"><meta charset="utf-8">
<title>カード情報の登録（ローカル Stripe）</title>
<h1>カード情報の登録</h1><p>{error}</p>
<form method="post"><label>カード番号 <input name="card_number" autocomplete="cc-number"
 value="4242 4242 4242 4242"></label>
<p>テストカード: 4242 4242 4242 4242（成功）/ 4000 0000 0000 0002（支払いで拒否）</p>
<button type="submit">保存</button></form>
<p><a href="{cancel}">キャンセル</a></p></html>"""


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s", self.requestline, code)


class LocalStripe:
    """The server: `start()` it on a free port, point `STRIPE_API_BASE` at `url`, `stop()` it.

    `hold_webhooks` keeps events undelivered until `deliver(event_id)` sends them, in any order
    and as often as a test likes; otherwise a thread delivers each event as it happens.
    """

    def __init__(
        self,
        *,
        api_version: str,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        hold_webhooks: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.hold_webhooks = hold_webhooks
        self.held: list[dict[str, Any]] = []
        self.calls: Counter[str] = Counter()  # "POST /v1/invoices" → count (API calls only)
        self.store = Store(api_version, self._on_event)
        self._saved: dict[tuple[str, str], _Saved] = {}
        self._outbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._host, self._port = host, port
        self._server: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self.url = ""
        #: Where webhooks go when set: a function taking (payload bytes, headers) → status.
        self.transport: Callable[[bytes, dict[str, str]], int] | None = None

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> str:
        self._server = make_server(
            self._host, self._port, self.wsgi, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://{self._host}:{self._server.server_port}"
        serving = threading.Thread(target=self._server.serve_forever, daemon=True)
        delivering = threading.Thread(target=self._deliver_forever, daemon=True)
        self._threads = [serving, delivering]
        for thread in self._threads:
            thread.start()
        return self.url

    def stop(self) -> None:
        self._outbox.put(None)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def api_calls(self) -> int:
        return sum(self.calls.values())

    # --- webhooks -----------------------------------------------------------------------------

    def _on_event(self, event: dict[str, Any]) -> None:
        if self.webhook_url is None and self.transport is None:
            return
        if self.hold_webhooks:
            self.held.append(event)
        else:
            self._outbox.put(event)

    def _deliver_forever(self) -> None:
        while (event := self._outbox.get()) is not None:
            for attempt in range(3):
                try:
                    if 200 <= self.deliver(event["id"]) < 300:
                        break
                except OSError:
                    log.warning("webhook %s not delivered (attempt %d)", event["id"], attempt + 1)
                time.sleep(0.2 * (attempt + 1))

    def events_of(self, type_: str) -> list[dict[str, Any]]:
        return [e for e in self.store.events if e["type"] == type_]

    def deliver(self, event_id: str, *, timestamp: int | None = None) -> int:
        """POST one event to the webhook endpoint now, signed as Stripe signs; return the status."""
        with self.store.lock:
            event = next(e for e in self.store.events if e["id"] == event_id)
            payload = json.dumps(event, ensure_ascii=False, indent=2).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": sign(payload, self.webhook_secret or "", timestamp),
        }
        if self.transport is not None:
            return self.transport(payload, headers)
        request = urllib.request.Request(  # noqa: S310 - the configured endpoint, http or https
            str(self.webhook_url), data=payload, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            with error:
                return int(error.code)

    # --- HTTP ---------------------------------------------------------------------------------

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            response = self._dispatch(request)
        except HTTPException as error:
            response = error.get_response()
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        adapter = ROUTES.bind_to_environ(request.environ)
        try:
            endpoint, matched = adapter.match()
            args = dict(matched)
        except HTTPException:
            return _error(
                404,
                {
                    "type": "invalid_request_error",
                    "message": f"Unrecognized request URL ({request.method}: {request.path}). "
                    "Please see https://stripe.com/docs or we can help at "
                    "https://support.stripe.com/.",
                },
            )
        if endpoint == "hosted_checkout":
            return self._hosted_checkout(request, args["object_id"])
        if endpoint == "hosted_portal":
            return portal_page(self.store, request, args["object_id"])
        self.calls[f"{request.method} {_rule_of(adapter, request)}"] += 1
        refused = _refuse_key(request.headers.get("Authorization", ""))
        if refused is not None:
            return refused
        try:
            params = decode(
                request.form.items(multi=True)
                if request.method == "POST"
                else request.args.items(multi=True)
            )
        except FormError as error:
            return _error(400, {"type": "invalid_request_error", "message": str(error)})
        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        if key is None:
            return self._run(endpoint, args, params, request)
        return self._idempotent(key, endpoint, args, params, request)

    def _idempotent(
        self,
        key: str,
        endpoint: str,
        args: dict[str, Any],
        params: dict[str, Any],
        request: Request,
    ) -> Response:
        if len(key) > 255:
            return _error(
                400,
                {
                    "type": "invalid_request_error",
                    "message": "Idempotency keys are up to 255 characters long.",
                },
            )
        fingerprint = json.dumps([request.path, params], sort_keys=True)
        slot = (api_key(request.headers.get("Authorization", "")), key)
        with self.store.lock:
            saved = self._saved.get(slot)
            if saved is None:
                saved = self._saved[slot] = _Saved(fingerprint)
            elif saved.fingerprint != fingerprint:
                return _error(
                    400,
                    {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                    },
                )
            elif saved.status is None:
                return _error(
                    409,
                    {
                        "type": "idempotency_error",
                        "message": "There is currently another in-progress request using this "
                        f"Idempotent Key (that probably means you submitted twice, and the other "
                        f"request is still going through): {key}. Please try again later.",
                    },
                )
            else:
                replay = Response(saved.body, saved.status, mimetype="application/json")
                replay.headers["Idempotent-Replayed"] = "true"
                replay.headers["Idempotency-Key"] = key
                return replay
        self.store.idempotency_key = key
        response = self._run(endpoint, args, params, request)
        with self.store.lock:
            if response.status_code == 400 and b'"parameter_' in response.get_data():
                del self._saved[slot]  # validation failed before the endpoint ran: not saved
            else:
                saved.status, saved.body = response.status_code, response.get_data()
        response.headers["Idempotency-Key"] = key
        return response

    def _run(
        self, endpoint: str, args: dict[str, Any], params: dict[str, Any], request: Request
    ) -> Response:
        request_id = new_id("req")
        with self.store.lock:
            self.store.request_id = request_id
            try:
                result = _ENDPOINTS[endpoint](self, args.get("object_id"), params)
            except StripeError as error:
                error.body["request_log_url"] = (
                    f"https://dashboard.stripe.com/test/logs/{request_id}"
                )
                response = _error(error.status, error.body)
            else:
                response = Response(
                    json.dumps(result, ensure_ascii=False, indent=2),
                    200,
                    mimetype="application/json",
                )
            finally:
                self.store.request_id = None
                self.store.idempotency_key = None
        response.headers["Request-Id"] = request_id
        response.headers["Stripe-Version"] = self.store.api_version
        return response

    def _hosted_checkout(self, request: Request, session_id: str) -> Response:
        """The page Stripe hosts: the customer types a card here, never on the shop's pages."""
        with self.store.lock:
            session = self.store.objects["checkout.session"].get(session_id)
        if session is None:
            return Response("Not found", 404)
        error = ""
        if request.method == "POST":
            try:
                with self.store.lock:
                    self.store.complete_checkout(session_id, request.form.get("card_number", ""))
            except StripeError as failure:
                error = str(failure)
            else:
                target = str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session_id)
                return Response("", 303, headers={"Location": target})
        page = CHECKOUT_PAGE.format(
            error=html.escape(error), cancel=html.escape(str(session.get("cancel_url") or "#"))
        )
        return Response(page, 400 if error else 200, mimetype="text/html")


def _rule_of(adapter: Any, request: Request) -> str:
    rule, _ = adapter.match(return_rule=True)
    return str(rule.rule)


def api_key(header: str) -> str:
    """The secret key from `Bearer <key>` or, as `curl -u sk_test_…:` sends it, Basic auth."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip()).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return ""


def _refuse_key(header: str) -> Response | None:
    key = api_key(header)
    if not key:
        return _error(
            401,
            {
                "type": "invalid_request_error",
                "message": "You did not provide an API key. You need to provide your API key in "
                "the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
            },
        )
    if not key.startswith("sk_test_"):
        return _error(
            401,
            {
                "type": "invalid_request_error",
                "message": f"Invalid API Key provided: {key[:8]}{'*' * max(len(key) - 12, 0)}"
                f"{key[-4:]}",
            },
        )
    return None


def _error(status: int, body: dict[str, Any]) -> Response:
    return Response(
        json.dumps({"error": body}, ensure_ascii=False, indent=2),
        status,
        mimetype="application/json",
    )


def _list(server: LocalStripe, url: str, kind: str, params: dict[str, Any], **match: Any) -> Any:
    rows = [
        o
        for o in server.store.objects[kind].values()
        if all(o.get(k) == v for k, v in match.items() if v is not None)
    ]
    return server.store.listing(url, rows, params)


def _events(server: LocalStripe, params: dict[str, Any]) -> Any:
    rows = [dict(e, _seq=i) for i, e in enumerate(server.store.events)]
    if params.get("type"):
        rows = [e for e in rows if e["type"] == params["type"]]
    if isinstance(params.get("types"), list):  # `types[]=a&types[]=b` (up to 20)
        rows = [e for e in rows if e["type"] in params["types"]]
    created = params.get("created")
    if isinstance(created, dict):
        if "gt" in created:
            rows = [e for e in rows if e["created"] > int(created["gt"])]
        if "gte" in created:
            rows = [e for e in rows if e["created"] >= int(created["gte"])]
        if "lt" in created:
            rows = [e for e in rows if e["created"] < int(created["lt"])]
        if "lte" in created:
            rows = [e for e in rows if e["created"] <= int(created["lte"])]
    return server.store.listing("/v1/events", rows, params)


def _event(server: LocalStripe, event_id: str) -> Any:
    for event in server.store.events:
        if event["id"] == event_id:
            return event
    raise StripeError(404, f"No such event: '{event_id}'", code="resource_missing", param="id")


S = LocalStripe
P = dict[str, Any]
_ENDPOINTS: dict[str, Callable[[S, Any, P], Any]] = {
    "create_customer": lambda s, _, p: public(s.store.create_customer(p)),
    "get_customer": lambda s, i, _: public(s.store.get("customer", i)),
    "update_customer": lambda s, i, p: public(s.store.update_customer(i, p)),
    "customer_payment_methods": lambda s, i, p: s.store.listing(
        f"/v1/customers/{i}/payment_methods", s.store.payment_methods(i), p
    ),
    "list_payment_methods": lambda s, _, p: s.store.listing(
        "/v1/payment_methods", s.store.payment_methods(p.get("customer", "")), p
    ),
    "get_payment_method": lambda s, i, _: public(s.store.get("payment_method", i)),
    "attach_payment_method": lambda s, i, p: public(
        s.store.attach_payment_method(i, p.get("customer", ""))
    ),
    "create_checkout_session": lambda s, _, p: public(s.store.create_checkout_session(p, s.url)),
    "get_checkout_session": lambda s, i, _: public(s.store.get("checkout.session", i)),
    "create_portal_session": lambda s, _, p: public(s.store.create_portal_session(p, s.url)),
    "get_setup_intent": lambda s, i, _: public(s.store.get("setup_intent", i)),
    "create_invoice_item": lambda s, _, p: public(s.store.create_invoice_item(p)),
    "get_invoice_item": lambda s, i, _: public(s.store.get("invoiceitem", i)),
    "create_invoice": lambda s, _, p: public(s.store.create_invoice(p)),
    "list_invoices": lambda s, _, p: _list(
        s, "/v1/invoices", "invoice", p, customer=p.get("customer")
    ),
    "get_invoice": lambda s, i, _: public(s.store.get("invoice", i)),
    "finalize_invoice": lambda s, i, _: public(s.store.finalize_invoice(i)),
    "pay_invoice": lambda s, i, p: public(s.store.pay_invoice(i, p)),
    "void_invoice": lambda s, i, _: public(s.store.void_invoice(i)),
    "mark_uncollectible": lambda s, i, _: public(s.store.mark_uncollectible(i)),
    "create_credit_note": lambda s, _, p: public(s.store.create_credit_note(p)),
    "list_credit_notes": lambda s, _, p: _list(
        s, "/v1/credit_notes", "credit_note", p, invoice=p.get("invoice")
    ),
    "get_credit_note": lambda s, i, _: public(s.store.get("credit_note", i)),
    "list_events": lambda s, _, p: _events(s, p),
    "get_event": lambda s, i, _: _event(s, i),
}
