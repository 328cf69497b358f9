"""Filing after the call: a disposition from the shared taxonomy, the shop's own category, the shop's
message form (required fields enforced), urgency (the shop's escalation rules may force it) and an
optional callback window. Everything is checked before anything is written, so a refused filing
leaves no trace; a filing stores the message, completes the call record and plans the deliveries.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import select, update
from werkzeug.exceptions import NotFound

from answering import delivery
from answering.calls import shop_of_call
from answering.models import Call, Message
from scheduling import agents
from tenants.coverage.services import TOKYO
from tenants.db import db, new_id, utcnow
from tenants.models import Shop, User
from tenants.numbers.services import national, to_e164
from tenants.scoping import SYSTEM, Scope, set_scope
from tenants.scripts import content as script
from tenants.scripts import search
from tenants.scripts import services as scripts

DISPOSITIONS = (
    "order_delivery",
    "return_exchange",
    "product_question",
    "sales",
    "prank_silent",
    "other",
)
#: Nothing to take down: the shop's required fields are not asked for these.
NO_MESSAGE = ("sales", "prank_silent")
MAX_BODY = 4000
MAX_VALUE = 500
MAX_WINDOW = timedelta(days=14)
#: How long an unfiled call stays on the operator's console after it ends.
FILING_WINDOW = timedelta(hours=12)


def disposition_labels() -> dict[str, str]:
    return {
        "order_delivery": gettext("Orders, delivery"),
        "return_exchange": gettext("Returns and exchanges"),
        "product_question": gettext("Product questions"),
        "sales": gettext("Sales and solicitation"),
        "prank_silent": gettext("Pranks and silent calls"),
        "other": gettext("Other"),
    }


def shop_categories(content: dict[str, Any]) -> dict[str, str]:
    """The shop's own categories (from its voice menu), each with the menu's label."""
    found: dict[str, str] = {}
    for option in content.get("menu", []):
        category = str(option.get("category") or "")
        if category and category not in found:
            found[category] = str(option.get("label") or category)
    return found


@dataclass(frozen=True)
class Filing:
    """What the operator's form sent, as text, before any checking."""

    disposition: str = ""
    category: str = ""
    body: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    urgent: bool = False
    callback: bool = False
    callback_from: str = ""
    callback_until: str = ""
    script_version: str = ""


class FilingRefused(ValueError):
    """The form is not complete; `errors` names each field with a message the operator can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class AlreadyFiled(ValueError):
    """The call has its message already; a second filing changes nothing."""


def filing_call_sid(operator: User) -> str | None:
    """The call this operator may file now: the one they hold, or else the last one they answered
    and have not filed yet (in after-call work, or whatever state they chose meanwhile)."""
    state = agents.state_of(operator)
    if state.state == "on_call":
        return state.call_sid
    if state.state == "offline":
        return None
    set_scope(db.session, SYSTEM)
    return db.session.scalar(
        select(Call.call_sid)
        .where(
            Call.operator_id == operator.id,
            Call.answered_at.is_not(None),
            Call.filed_at.is_(None),
            Call.routed_at >= utcnow() - FILING_WINDOW,
        )
        .order_by(Call.routed_at.desc())
        .limit(1)
    )


def answered(call_sid: str) -> bool:
    """Whether the operator picked this call up (the console then shows the filing form); a
    caller handed back after a transfer, once picked up again."""
    set_scope(db.session, SYSTEM)
    picked_up = Call.answered_at.is_not(None) & Call.returned_at.is_(None)
    return bool(db.session.scalar(select(picked_up).where(Call.call_sid == call_sid).limit(1)))


def operators_call(operator: User, call_sid: str) -> Call:
    """The call, read in its shop's scope, if it was given to this operator; otherwise 404."""
    set_scope(db.session, SYSTEM)
    shop_id = shop_of_call(call_sid[:64])
    if shop_id is None:
        raise NotFound()
    set_scope(db.session, Scope(shop_id=shop_id))
    call = db.session.scalar(select(Call).where(Call.shop_id == shop_id, Call.call_sid == call_sid))
    if call is None or call.operator_id != operator.id:
        raise NotFound()
    return call


def file_message(operator: User, call_sid: str, given: Filing, now: datetime) -> Message:
    """Store the message and complete the call record, once per call; the operator's after-call
    work ends (they go ready) unless they chose another state meanwhile.

    Filed while still talking, the operator stays on the call, and its end still puts them in
    after-call work, timed from the end: a short wrap-up before the next caller, as every
    contact centre keeps one (they press Ready to end it sooner). The call's own after-call work
    is then 0 s, since the filing happened in talk time."""
    call = operators_call(operator, call_sid)
    shop = db.session.get(Shop, call.shop_id)
    if shop is None:
        raise NotFound()
    if call.filed_at is not None:
        raise AlreadyFiled(gettext("This call has been filed already."))
    published = scripts.latest_version(shop.id)
    content = published.content if published is not None else script.empty()
    checked = _check(given, content, now)
    version = _shown_version(shop.id, given.script_version, published)
    # Compare-and-set: of two filings racing for one call, exactly one completes it.
    completed = db.session.execute(
        update(Call)
        .where(Call.shop_id == shop.id, Call.id == call.id, Call.filed_at.is_(None))
        .values(
            filed_at=now,
            disposition=checked["disposition"],
            script_version=version,
            after_call_work_s=_after_call_work(call, now),
        )
        .execution_options(synchronize_session=False)
    )
    if completed.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyFiled(gettext("This call has been filed already."))
    db.session.refresh(call)
    urgent_because = _escalation(checked, call, content)
    message = Message(
        id=new_id(),
        shop_id=shop.id,
        call_id=call.id,
        operator_id=operator.id,
        created_at=now,
        caller_number=call.from_number,
        disposition=checked["disposition"],
        category=checked["category"] or None,
        category_label=shop_categories(content).get(checked["category"]) or None,
        body=checked["body"],
        fields=checked["fields"],
        urgency="urgent" if (given.urgent or urgent_because) else "normal",
        urgent_because=urgent_because,
        script_version=version,
        callback_from=checked["callback_from"],
        callback_until=checked["callback_until"],
    )
    message.search_text = searchable(message)
    db.session.add(message)
    db.session.flush()  # the deliveries refer to the message by its key
    if message.disposition != "prank_silent":
        delivery.plan(shop, message, now)
    if agents.state_of(operator).state == "after_call_work":
        agents.set_state(operator, "ready", reason=None, actor=operator)
    return message


def _check(given: Filing, content: dict[str, Any], now: datetime) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if given.disposition not in DISPOSITIONS:
        errors["disposition"] = gettext("Choose what the call was about.")
    category = given.category.strip()
    if category and category not in shop_categories(content):
        errors["category"] = gettext("Choose one of the shop's categories.")
    body = given.body.strip()
    if len(body) > MAX_BODY:
        errors["body"] = gettext("Use at most %(count)d characters.", count=MAX_BODY)
    values = []
    for spec in content.get("message_fields", []):
        key, label = str(spec["key"]), str(spec["label"])
        value = given.fields.get(key, "").strip()
        problem = _field_problem(spec, value, given.disposition)
        if problem:
            errors[f"field_{key}"] = problem
        values.append({"key": key, "label": label, "value": _cleaned(spec, value)})
    callback_from = callback_until = None
    if given.callback:
        callback_from, callback_until = _window(given, now, errors)
    if errors:
        raise FilingRefused(errors)
    return {
        "disposition": given.disposition,
        "category": category,
        "body": body,
        "fields": values,
        "callback_from": callback_from,
        "callback_until": callback_until,
    }


def _field_problem(spec: dict[str, Any], value: str, disposition: str) -> str | None:
    label = str(spec["label"])
    if not value:
        if spec.get("required") and disposition not in NO_MESSAGE:
            return str(gettext("Fill in “%(label)s”: the shop needs it.", label=label))
        return None
    if len(value) > MAX_VALUE:
        return str(
            gettext(
                "“%(label)s” is too long (at most %(count)d characters).",
                label=label,
                count=MAX_VALUE,
            )
        )
    if spec.get("type") == "tel" and to_e164(value) is None:
        return str(gettext("“%(label)s”: enter a phone number like 090-1234-5678.", label=label))
    if spec.get("type") == "date":
        try:
            date.fromisoformat(unicodedata.normalize("NFKC", value))
        except ValueError:
            return str(gettext("“%(label)s”: enter a date like 2026-12-01.", label=label))
    return None


def _cleaned(spec: dict[str, Any], value: str) -> str:
    if value and spec.get("type") == "tel":
        return to_e164(value) or value
    if value and spec.get("type") == "date":
        return unicodedata.normalize("NFKC", value)
    return value[:MAX_VALUE]


def _window(
    given: Filing, now: datetime, errors: dict[str, str]
) -> tuple[datetime | None, datetime | None]:
    """The callback window, typed in Tokyo time (`YYYY-MM-DDTHH:MM`)."""
    try:
        start = datetime.fromisoformat(given.callback_from).replace(tzinfo=TOKYO)
        end = datetime.fromisoformat(given.callback_until).replace(tzinfo=TOKYO)
    except ValueError:
        errors["callback"] = gettext("Give the time window for the callback (from and until).")
        return None, None
    if end <= start:
        errors["callback"] = gettext("The callback window must end after it starts.")
    elif end <= now:
        errors["callback"] = gettext("The callback window is already over.")
    elif end - start > MAX_WINDOW or start - now > MAX_WINDOW:
        errors["callback"] = gettext("Choose a callback window within the next 14 days.")
    return start, end


def _escalation(checked: dict[str, Any], call: Call, content: dict[str, Any]) -> str | None:
    """Why the shop's escalation rules make this message urgent, or None."""
    rules = content.get("escalation") or {}
    categories = set(rules.get("categories") or [])
    labels = shop_categories(content)
    for category in (checked["category"], call.menu_category):
        if category and category in categories:
            return str(gettext("Category “%(category)s”", category=labels.get(category, category)))
    text = search.normalise(" ".join([checked["body"], *(f["value"] for f in checked["fields"])]))
    for keyword in rules.get("keywords") or []:
        if keyword and search.normalise(str(keyword)) in text:
            return str(gettext("Keyword “%(keyword)s”", keyword=keyword))
    return None


def _shown_version(shop_id: uuid.UUID, raw: str, published: Any) -> int | None:
    """The script version the card showed (sent back by the form), if it is one of the shop's."""
    if raw.isdigit() and scripts.version(shop_id, int(raw)) is not None:
        return int(raw)
    return published.number if published is not None else None


def _after_call_work(call: Call, now: datetime) -> int:
    if call.ended_at is None:
        return 0  # filed during the call: no after-call work
    return max(0, int((now - call.ended_at).total_seconds()))


def searchable(message: Message) -> str:
    values = [str(f["value"]) for f in message.fields]
    parts = [
        message.body,
        national(message.caller_number),
        message.category_label or "",
        *(str(f["label"]) for f in message.fields),
        *values,
        *(national(v) for v in values if v.startswith("+")),  # phone numbers as people write them
    ]
    # Hyphens dropped on both sides: 090-1234-5678 and A-1001 are found however they are typed.
    return search.normalise(" ".join(parts)).replace("-", "")


def voicemail(call: Call, now: datetime) -> Message | None:
    """A message left after hours becomes a message for the shop, once, delivered like the rest
    (the recording itself is on the call's page)."""
    if call.in_coverage or call.recording_sid is None:
        return None
    existing = db.session.scalar(
        select(Message).where(Message.shop_id == call.shop_id, Message.call_id == call.id)
    )
    shop = db.session.get(Shop, call.shop_id)
    if existing is not None or shop is None:
        return existing
    seconds = call.recording_duration_s or 0
    message = Message(
        id=new_id(),
        shop_id=call.shop_id,
        call_id=call.id,
        operator_id=None,
        created_at=now,
        caller_number=call.from_number,
        disposition="other",
        category=None,
        category_label=gettext("After-hours voicemail"),
        body=gettext(
            "A caller left a voicemail after hours (%(seconds)d s). Listen to it on the calls page.",
            seconds=seconds,
        ),
        fields=[],
        urgency="normal",
    )
    message.search_text = searchable(message)
    db.session.add(message)
    db.session.flush()
    delivery.plan(shop, message, now)
    return message
