"""Editing a shop's script draft, publishing immutable versions, comparing versions."""

from __future__ import annotations

import difflib
import uuid
from typing import Any

import marshmallow as ma
from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from tenants.db import db, new_id, utcnow
from tenants.models import Shop, User
from tenants.scripts import content as script
from tenants.scripts.csv_import import ImportReport, parse_products
from tenants.scripts.models import ScriptDraft, ScriptVersion
from tenants.services import ValidationFailed, audit


def draft(shop: Shop) -> ScriptDraft:
    """The shop's draft, created empty on first use."""
    row = db.session.scalar(select(ScriptDraft).where(ScriptDraft.shop_id == shop.id))
    if row is None:
        row = ScriptDraft(id=new_id(), shop_id=shop.id, content=script.empty())
        db.session.add(row)
    return row


def _first_error(error: ma.ValidationError) -> ValidationFailed:
    messages = error.messages_dict
    field, detail = next(iter(messages.items()))
    while isinstance(detail, dict):
        field, detail = next(iter(detail.items()))
    text = detail[0] if isinstance(detail, list) and detail else str(detail)
    return ValidationFailed(str(field), str(text))


def replace_draft(shop: Shop, document: Any) -> ScriptDraft:
    """Replace the whole draft (the API's PUT); invalid documents change nothing."""
    try:
        loaded = script.load(document)
    except ma.ValidationError as error:
        raise _first_error(error) from None
    row = draft(shop)
    row.content, row.updated_at = script.to_json(loaded), utcnow()
    return row


def update_basics(
    shop: Shop,
    *,
    greeting: str,
    after_hours_message: str,
    keywords: list[str],
    categories: list[str],
) -> ScriptDraft:
    row = draft(shop)
    document = dict(row.content)
    document.update(
        greeting=greeting,
        after_hours_message=after_hours_message,
        escalation={"keywords": keywords, "categories": categories},
    )
    return replace_draft(shop, document)


def save_item(shop: Shop, section: str, item: dict[str, Any]) -> ScriptDraft:
    if section not in script.SECTIONS:
        raise ValidationFailed("section", gettext("Unknown part of the script."))
    try:
        loaded = script.ITEM_SCHEMAS[section]().load(item)
        document = script.upsert(draft(shop).content, section, script.to_json_item(section, loaded))
    except ma.ValidationError as error:
        raise _first_error(error) from None
    row = draft(shop)
    row.content, row.updated_at = document, utcnow()
    return row


def delete_item(shop: Shop, section: str, item_id: str) -> None:
    """Remove an item of the draft; an id the draft does not hold is not found (404)."""
    row = draft(shop)
    if not any(item.get("id") == item_id for item in row.content.get(section, [])):
        raise NotFound()
    row.content, row.updated_at = script.remove(row.content, section, item_id), utcnow()


def import_products(shop: Shop, raw: bytes) -> ImportReport:
    """Add (or replace, by SKU or name) the file's products in the draft; report every row."""
    report = parse_products(raw)
    row = draft(shop)
    products = list(row.content.get("products", []))
    index = {(p.get("sku") or p["name"]): i for i, p in enumerate(products)}
    for product in report.products:
        key = product.get("sku") or product["name"]
        dumped = script.to_json_item("products", product)
        if key in index:
            dumped["id"] = products[index[key]]["id"]
            products[index[key]] = dumped
        else:
            index[key] = len(products)
            products.append(dumped)
    replace_draft(shop, {**row.content, "products": products})
    return report


def publish(shop: Shop, actor: User | None, ip: str | None = None) -> ScriptVersion:
    """Freeze the draft as the next version; operators see it from now on."""
    row = draft(shop)
    latest = latest_version(shop.id)
    if latest is not None and latest.content == row.content:
        raise ValidationFailed(
            "draft", gettext("Nothing changed since version %(n)d.", n=latest.number)
        )
    number = (
        db.session.scalar(
            select(func.max(ScriptVersion.number)).where(ScriptVersion.shop_id == shop.id)
        )
        or 0
    ) + 1
    version = ScriptVersion(
        id=new_id(),
        shop_id=shop.id,
        number=number,
        content=dict(row.content),
        published_by=actor.id if actor else None,
        published_at=utcnow(),  # set now, not at the flush: the API answers with it
    )
    db.session.add(version)
    audit("script.published", actor=actor, shop_id=shop.id, target=f"v{number}", ip=ip)
    return version


def versions(shop_id: uuid.UUID) -> list[ScriptVersion]:
    return list(
        db.session.scalars(
            select(ScriptVersion)
            .where(ScriptVersion.shop_id == shop_id)
            .order_by(ScriptVersion.number.desc())
        )
    )


def latest_version(shop_id: uuid.UUID) -> ScriptVersion | None:
    """The version operators see now (the latest published)."""
    return db.session.scalar(
        select(ScriptVersion)
        .where(ScriptVersion.shop_id == shop_id)
        .order_by(ScriptVersion.number.desc())
        .limit(1)
    )


#: The largest version number the column holds; a larger one in a URL names no version.
MAX_VERSION = 2**31 - 1


def version(shop_id: uuid.UUID, number: int) -> ScriptVersion | None:
    if not 0 < number <= MAX_VERSION:
        return None
    return db.session.scalar(
        select(ScriptVersion).where(
            ScriptVersion.shop_id == shop_id, ScriptVersion.number == number
        )
    )


def as_lines(content: dict[str, Any]) -> list[str]:
    """A readable, stable text form of a script, for diffs."""
    lines = [
        f"greeting: {content.get('greeting', '')}",
        f"after_hours_message: {content.get('after_hours_message', '')}",
    ]
    escalation = content.get("escalation", {})
    lines.append(
        f"escalation: {', '.join(escalation.get('keywords', []))} | "
        f"{', '.join(escalation.get('categories', []))}"
    )
    for section in script.SECTIONS:
        for item in content.get(section, []):
            shown = {k: v for k, v in item.items() if k != "id" and v not in ("", [], None)}
            lines.append(f"{section}: " + "; ".join(f"{k}={v}" for k, v in shown.items()))
    return lines


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    """Lines removed ("-") and added ("+") from `old` to `new`."""
    return [
        (line[0], line[2:])
        for line in difflib.ndiff(as_lines(old), as_lines(new))
        if line[:1] in ("-", "+")
    ]
