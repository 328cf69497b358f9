"""The shape of a script, validated by marshmallow, and the edits made to it.

A script is one JSON document: the greeting, the after-hours message, the voice menu, products, FAQ
entries, escalation rules, the fields of the shop's message form and notices. Every list item has
an `id`, so an edit or a deletion names its item. Text is stored as typed and escaped wherever it is
shown, so nothing a shop writes can run as script in a page.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l

SECTIONS = ("menu", "products", "faqs", "message_fields", "notices")
MAX_ITEMS = {"menu": 9, "products": 2000, "faqs": 1000, "message_fields": 20, "notices": 20}
FIELD_TYPES = ("text", "tel", "date", "textarea")


def _text(size: int, *, required: bool = False) -> ma.fields.String:
    if required:
        return ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=size))
    return ma.fields.String(load_default="", validate=ma.validate.Length(max=size))


def _words(size: int = 30) -> ma.fields.List[Any]:
    return ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=60)),
        load_default=list,
        validate=ma.validate.Length(max=size),
    )


_URL = ma.validate.URL(schemes={"http", "https"})


def _web_address(value: str) -> bool:
    """Empty, or an http(s) address of at most 500 characters (never `javascript:`)."""
    if value == "":
        return True
    if len(value) > 500:
        raise ma.ValidationError(str(_l("Use at most %(count)d characters.", count=500)))
    _URL(value)
    return True


class Item(ma.Schema):
    id = ma.fields.String(load_default=None)

    @ma.post_load
    def give_id(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["id"] = data.get("id") or uuid.uuid4().hex[:12]
        return data


class MenuOption(Item):
    key = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 9))
    label = _text(60, required=True)
    category = _text(40)


class Product(Item):
    name = _text(200, required=True)
    reading = _text(200)
    sku = _text(64)
    url = ma.fields.String(load_default="", validate=_web_address)
    material = _text(500)
    sizes = _words()
    colours = _words()
    care = _text(1000)
    notes = _text(2000)


class Faq(Item):
    question = _text(300, required=True)
    answer = _text(3000, required=True)
    tags = _words(20)
    products = _words(20)  # SKUs or names of linked products


class MessageField(Item):
    key = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"))
    label = _text(60, required=True)
    type = ma.fields.String(load_default="text", validate=ma.validate.OneOf(FIELD_TYPES))
    required = ma.fields.Boolean(load_default=False)


class StoredDate(ma.fields.Date):
    """A date read as `YYYY-MM-DD`; stored script content keeps it as that text, which is
    written out unchanged (a stored notice's dates are strings, not `date` objects)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


class Notice(Item):
    title = _text(120, required=True)
    body = _text(2000)
    starts_on = StoredDate(load_default=None)
    ends_on = StoredDate(load_default=None)

    @ma.validates_schema
    def ends_after_start(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ma.ValidationError(str(_l("The last day is before the first day.")), "ends_on")


class Escalation(ma.Schema):
    keywords = _words(50)
    categories = _words(20)


class ScriptSchema(ma.Schema):
    greeting = _text(1000)
    after_hours_message = _text(1000)
    menu = ma.fields.List(
        ma.fields.Nested(MenuOption),
        load_default=list,
        validate=ma.validate.Length(max=MAX_ITEMS["menu"]),
    )
    products = ma.fields.List(
        ma.fields.Nested(Product),
        load_default=list,
        validate=ma.validate.Length(max=MAX_ITEMS["products"]),
    )
    faqs = ma.fields.List(
        ma.fields.Nested(Faq), load_default=list, validate=ma.validate.Length(max=MAX_ITEMS["faqs"])
    )
    escalation = ma.fields.Nested(Escalation, load_default=dict)
    message_fields = ma.fields.List(
        ma.fields.Nested(MessageField),
        load_default=list,
        validate=ma.validate.Length(max=MAX_ITEMS["message_fields"]),
    )
    notices = ma.fields.List(
        ma.fields.Nested(Notice),
        load_default=list,
        validate=ma.validate.Length(max=MAX_ITEMS["notices"]),
    )

    @ma.validates_schema
    def unique_keys(self, data: dict[str, Any], **_: Any) -> None:
        keys = [o["key"] for o in data.get("menu", [])]
        if len(keys) != len(set(keys)):
            raise ma.ValidationError(str(_l("Each menu key is used once.")), "menu")
        fields = [f["key"] for f in data.get("message_fields", [])]
        if len(fields) != len(set(fields)):
            raise ma.ValidationError(str(_l("Each field key is used once.")), "message_fields")


ITEM_SCHEMAS: dict[str, type[ma.Schema]] = {
    "menu": MenuOption,
    "products": Product,
    "faqs": Faq,
    "message_fields": MessageField,
    "notices": Notice,
}
_DUMP = ScriptSchema()


def empty() -> dict[str, Any]:
    return to_json(ScriptSchema().load({}))


def to_json(content: dict[str, Any]) -> dict[str, Any]:
    """Validated content as plain JSON (dates as ISO strings)."""
    dumped: dict[str, Any] = _DUMP.dump(content)
    return dumped


def load(document: Any) -> dict[str, Any]:
    """Validate a whole script; raises `marshmallow.ValidationError` with messages per field."""
    loaded: dict[str, Any] = ScriptSchema().load(document)
    return loaded


def to_json_item(section: str, item: dict[str, Any]) -> dict[str, Any]:
    dumped: dict[str, Any] = ITEM_SCHEMAS[section]().dump(item)
    return dumped


def upsert(content: dict[str, Any], section: str, item: dict[str, Any]) -> dict[str, Any]:
    """The content with `item` added, or replacing the item with the same id."""
    document = dict(content)
    items = [i for i in document.get(section, [])]
    for index, existing in enumerate(items):
        if existing.get("id") == item.get("id"):
            items[index] = item
            break
    else:
        items.append(item)
    document[section] = items
    return to_json(load(document))


def remove(content: dict[str, Any], section: str, item_id: str) -> dict[str, Any]:
    document = dict(content)
    document[section] = [i for i in document.get(section, []) if i.get("id") != item_id]
    return document


def current_notices(content: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """Notices in force today (no dates means always)."""
    shown = []
    for notice in content.get("notices", []):
        starts = date.fromisoformat(notice["starts_on"]) if notice.get("starts_on") else None
        ends = date.fromisoformat(notice["ends_on"]) if notice.get("ends_on") else None
        if (starts is None or starts <= today) and (ends is None or today <= ends):
            shown.append(notice)
    return shown
