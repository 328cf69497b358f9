"""The local Stripe server's bookkeeping: errors in Stripe's shape, ids, parameters, events."""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any


class StripeError(Exception):
    """An error answered in Stripe's shape: `{"error": {"type", "message", "code", "param"}}`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": type, "message": message}
        if code:
            self.body["code"] = code
        if param:
            self.body["param"] = param
        self.body.update(extra or {})


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def required(params: dict[str, Any], name: str) -> Any:
    if params.get(name) in (None, ""):
        raise StripeError(
            400, f"Missing required param: {name}.", code="parameter_missing", param=name
        )
    return params[name]


def integer(params: dict[str, Any], name: str, *, minimum: int = 0) -> int:
    raw = required(params, name)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise StripeError(
            400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name
        ) from None
    if value < minimum:
        raise StripeError(
            400,
            f"This value must be greater than or equal to {minimum}.",
            code="parameter_invalid_integer",
            param=name,
        )
    return value


def metadata(params: dict[str, Any]) -> dict[str, str]:
    given = params.get("metadata") or {}
    if not isinstance(given, dict):
        raise StripeError(400, "Invalid object", param="metadata")
    return {str(k): str(v) for k, v in given.items()}


class Objects:
    """Every object of one Stripe account, guarded by one lock; `on_event` hears each new event."""

    def __init__(self, api_version: str, on_event: Callable[[dict[str, Any]], None]) -> None:
        self.api_version = api_version
        self.on_event = on_event
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict[str, Any]]] = {
            kind: {}
            for kind in (
                "customer",
                "payment_method",
                "checkout.session",
                "setup_intent",
                "invoiceitem",
                "invoice",
                "credit_note",
                "billing_portal.session",
            )
        }
        self.events: list[dict[str, Any]] = []
        self._invoice_numbers = 0
        self.request_id: str | None = None
        self.idempotency_key: str | None = None

    # --- events -----------------------------------------------------------------------------

    def emit(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": self.api_version,
            "created": int(time.time()),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": self.request_id, "idempotency_key": self.idempotency_key},
            "type": type_,
        }
        self.events.append(event)
        self.on_event(event)
        return event

    def get(self, kind: str, object_id: str, param: str = "id") -> dict[str, Any]:
        found = self.objects[kind].get(object_id)
        if found is None:
            noun = kind.split(".")[-1].replace("_", " ")
            raise StripeError(
                404, f"No such {noun}: '{object_id}'", code="resource_missing", param=param
            )
        return found

    def listing(
        self, url: str, rows: list[dict[str, Any]], params: dict[str, Any]
    ) -> dict[str, Any]:
        """Newest first, cut by `starting_after` / `ending_before` and `limit` (1–100, default 10)."""
        rows = sorted(rows, key=lambda r: (r.get("created", 0), r["_seq"]), reverse=True)
        if params.get("starting_after"):
            ids = [r["id"] for r in rows]
            if params["starting_after"] not in ids:
                raise StripeError(400, "Invalid starting_after id", param="starting_after")
            rows = rows[ids.index(params["starting_after"]) + 1 :]
        if params.get("ending_before"):
            ids = [r["id"] for r in rows]
            if params["ending_before"] in ids:
                rows = rows[: ids.index(params["ending_before"])]
        limit = integer(params, "limit", minimum=1) if params.get("limit") else 10
        if limit > 100:
            raise StripeError(400, "This value must be less than or equal to 100.", param="limit")
        page = rows[:limit]
        return {
            "object": "list",
            "data": [public(r) for r in page],
            "has_more": len(rows) > limit,
            "url": url,
        }

    def _keep(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        obj["_seq"] = sum(len(v) for v in self.objects.values()) + len(self.events)
        self.objects[kind][obj["id"]] = obj
        return obj


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API shows it (without the server's own bookkeeping)."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}
