"""The customer portal of the local Stripe server: `POST /v1/billing_portal/sessions` and its page.

A session has the shape of Stripe's `billing_portal.session` (id `bps_…`, the configuration used,
customer, flow, locale, return URL and a short-lived URL). The page at that URL stands in for the
portal Stripe hosts: it shows the customer's default card and lets them add a test card that
becomes the default, which fires what Stripe fires (`payment_method.attached`, then
`customer.updated` with the new `invoice_settings.default_payment_method`), and links back to the
return URL. Sessions expire unvisited after five minutes, and an hour after the first visit.
"""

from __future__ import annotations

import html
import secrets
import time
from typing import Any

from werkzeug.wrappers import Request, Response

from billing.stripe_local.base import Objects, StripeError, new_id, public, required
from billing.stripe_local.cards import TEST_NUMBERS

#: The portal configuration every local account has (Stripe's default configuration).
DEFAULT_CONFIGURATION = "bpc_local_default"
#: Flows a session may deep-link into; the local portal has only payment methods to manage.
FLOWS = ("payment_method_update",)
UNVISITED_S = 5 * 60
VISITED_S = 60 * 60


class PortalObjects(Objects):
    #: False stands for an account whose portal settings were never saved (Stripe then refuses).
    portal_configured = True

    def create_portal_session(self, params: dict[str, Any], base_url: str) -> dict[str, Any]:
        if not self.portal_configured and not params.get("configuration"):
            raise StripeError(
                400,
                "You can't create a portal session in test mode until you save your customer "
                "portal settings in test mode at "
                "https://dashboard.stripe.com/test/settings/billing/portal.",
            )
        customer_id = required(params, "customer")
        self.get("customer", customer_id, "customer")
        configuration = params.get("configuration") or DEFAULT_CONFIGURATION
        if configuration != DEFAULT_CONFIGURATION:
            raise StripeError(
                404,
                f"No such configuration: '{configuration}'",
                code="resource_missing",
                param="configuration",
            )
        return_url = params.get("return_url")
        if not return_url:
            raise StripeError(
                400,
                "You must provide a `return_url` or set a default return URL in your customer "
                "portal settings.",
                param="return_url",
            )
        flow = _flow(params.get("flow_data"), str(return_url))
        token = secrets.token_urlsafe(24)
        now = int(time.time())
        return self._keep(
            "billing_portal.session",
            {
                "id": new_id("bps"),
                "object": "billing_portal.session",
                "configuration": configuration,
                "created": now,
                "customer": customer_id,
                "customer_account": None,
                "flow": flow,
                "livemode": False,
                "locale": params.get("locale") or None,
                "on_behalf_of": params.get("on_behalf_of") or None,
                "return_url": return_url,
                "url": f"{base_url}/p/session/test_{token}",
                "_token": token,
                "_expires_at": now + UNVISITED_S,
                "_visited": False,
            },
        )

    def portal_session(self, token: str) -> dict[str, Any] | None:
        """The live session of a portal URL (its first visit starts the hour it lasts)."""
        for session in self.objects["billing_portal.session"].values():
            if secrets.compare_digest(session["_token"], token):
                now = int(time.time())
                if now >= session["_expires_at"]:
                    return None
                if not session["_visited"]:
                    session["_visited"], session["_expires_at"] = True, now + VISITED_S
                return session
        return None

    def portal_new_default_card(self, session: dict[str, Any], card_number: str) -> None:
        """The customer added a card in the portal and made it the default for invoices."""
        test_id = TEST_NUMBERS.get(card_number.replace(" ", "").replace("-", ""))
        if test_id is None:
            raise StripeError(
                402, "Your card number is incorrect.", type="card_error", code="incorrect_number"
            )
        method = self.attach_payment_method(test_id, session["customer"])  # type: ignore[attr-defined]
        customer = self.get("customer", session["customer"])
        customer["invoice_settings"]["default_payment_method"] = method["id"]
        self.emit("customer.updated", public(customer))


def _flow(given: Any, return_url: str) -> dict[str, Any] | None:
    if not given:
        return None
    if not isinstance(given, dict) or given.get("type") not in FLOWS:
        raise StripeError(
            400,
            "Invalid flow_data[type]: this local server supports " + ", ".join(FLOWS) + " only.",
            param="flow_data[type]",
        )
    after = given.get("after_completion") or {}
    after_type = after.get("type", "portal_homepage")
    if after_type not in ("portal_homepage", "redirect", "hosted_confirmation"):
        raise StripeError(
            400,
            f"Invalid after_completion[type]: {after_type}",
            param="flow_data[after_completion]",
        )
    redirect = after.get("redirect") or {}
    return {
        "type": given["type"],
        "after_completion": {
            "type": after_type,
            "redirect": {"return_url": redirect.get("return_url") or return_url}
            if after_type == "redirect"
            else None,
            "hosted_confirmation": {"custom_message": None}
            if after_type == "hosted_confirmation"
            else None,
        },
        "customer_update": None,
        "subscription_cancel": None,
        "subscription_pause": None,
        "subscription_update": None,
        "subscription_update_confirm": None,
    }


PORTAL_PAGE = """<!doctype html><html lang="ja"><meta charset="utf-8">
<title>お支払い方法（ローカル Stripe カスタマーポータル）</title>
<h1>お支払い方法</h1>
<p>{customer}</p>
<p data-testid="default-card">{card}</p>
<p role="status">{notice}</p>
<form method="post"><label>新しいカード番号 <input name="card_number" autocomplete="cc-number"
 value="4242 4242 4242 4242"></label>
<p>テストカード: 4242 4242 4242 4242（成功）/ 5555 5555 5555 4444（成功）/
 4000 0000 0000 0002（支払いで拒否）</p>
<button type="submit">追加して既定のお支払い方法にする</button></form>
<p><a href="{back}" data-testid="return">戻る</a></p></html>"""


def portal_page(store: PortalObjects, request: Request, token: str) -> Response:
    """The portal page a session's URL opens: the default card, a form to replace it, the way back."""
    with store.lock:
        session = store.portal_session(token)
        if session is None:
            return Response("This portal session has expired or does not exist.", 404)
        notice, status = "", 200
        if request.method == "POST":
            try:
                store.portal_new_default_card(session, request.form.get("card_number", ""))
            except StripeError as failure:
                notice, status = str(failure), 400
            else:
                flow = session["flow"] or {}
                after = flow.get("after_completion") or {}
                if after.get("type") == "redirect":
                    target = after["redirect"]["return_url"]
                    return Response("", 303, headers={"Location": target})
                return Response("", 303, headers={"Location": f"{request.path}?updated=1"})
        if request.args.get("updated") and not notice:
            notice = "既定のお支払い方法を更新しました。"
        customer = store.get("customer", session["customer"])
        default_id = customer["invoice_settings"]["default_payment_method"]
        card = "カードは登録されていません。"
        if default_id:
            method = store.get("payment_method", default_id)["card"]
            card = f"既定のカード: {method['brand'].upper()} •••• {method['last4']}"
        page = PORTAL_PAGE.format(
            customer=html.escape(str(customer.get("name") or customer["id"])),
            card=html.escape(card),
            notice=html.escape(notice),
            back=html.escape(str(session["return_url"])),
        )
    return Response(page, status, mimetype="text/html")
