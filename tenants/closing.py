"""Leaving us: export everything a shop has with us, close the account, delete after retention."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext
from sqlalchemy import select

from tenants import services
from tenants.config import settings_from
from tenants.coverage import services as coverage
from tenants.db import db, utcnow
from tenants.members import services as members
from tenants.models import AuditEvent, Shop, User
from tenants.numbers import services as numbers
from tenants.scheduler import in_system_scope, periodic
from tenants.scripts import services as scripts
from tenants.signals import shop_closed, shop_export
from tenants.signup.services import profile


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()  # BOM: Excel opens UTF-8 as such


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode()


def export_files(shop: Shop) -> dict[str, bytes]:
    """Every file of the shop's export (the scope must be this shop)."""
    own = profile(shop.id)
    files: dict[str, bytes] = {
        "shop.json": _json(
            {
                "slug": shop.slug,
                "name": shop.name,
                "name_kana": shop.name_kana,
                "status": shop.status,
                "created_at": shop.created_at,
                "profile": None
                if own is None
                else {
                    "contact_phone": own.contact_phone,
                    "legal_name": own.legal_name,
                    "postal_code": own.postal_code,
                    "address": own.address,
                    "registration_number": own.registration_number,
                },
            }
        ),
        "members.csv": _csv(
            ["name", "email", "role", "since"],
            [
                [m.user.display_name, m.user.email, m.role, m.created_at.isoformat()]
                for m in members.members(shop.id)
            ],
        ),
        "coverage_versions.json": _json(
            [
                {
                    "effective_from": v.effective_from,
                    "week": v.week,
                    "holiday_mode": v.holiday_mode,
                    "holiday_bands": v.holiday_bands,
                    "saved_at": v.created_at,
                }
                for v in coverage.versions(shop.id)
            ]
        ),
        "closures.csv": _csv(
            ["first_day", "last_day", "every_year", "reason"],
            [
                [c.starts_on.isoformat(), c.ends_on.isoformat(), c.every_year, c.reason]
                for c in coverage.closures(shop.id)
            ],
        ),
        "numbers.csv": _csv(
            ["number", "kind", "from", "to"],
            [
                [
                    numbers.national(r.number.e164),
                    r.number.kind,
                    r.started_at.isoformat(),
                    r.ended_at.isoformat() if r.ended_at else "",
                ]
                for r in numbers.rentals(shop.id, current_only=False)
            ],
        ),
        "script_draft.json": _json(scripts.draft(shop).content),
        "script_versions.json": _json(
            [
                {"number": v.number, "published_at": v.published_at, "content": v.content}
                for v in scripts.versions(shop.id)
            ]
        ),
        "audit.csv": _csv(
            ["at", "action", "target", "ip"],
            [
                [e.at.isoformat(), e.action, e.target or "", e.ip or ""]
                for e in db.session.scalars(
                    select(AuditEvent).where(AuditEvent.shop_id == shop.id).order_by(AuditEvent.at)
                )
            ],
        ),
    }
    shop_export.send(current_app._get_current_object(), shop=shop, files=files)  # type: ignore[attr-defined]
    return files


def export_zip(shop: Shop, actor: User, ip: str | None) -> bytes:
    files = export_files(shop)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(f"{shop.slug}/{name}", content)
    services.audit(
        "shop.exported",
        actor=actor,
        shop_id=shop.id,
        target=shop.slug,
        ip=ip,
        detail={"files": len(files)},
    )
    return buffer.getvalue()


def close_shop(shop: Shop, actor: User, *, confirmation: str, ip: str | None) -> None:
    """Stop answering at once: numbers released, status closed; data deleted after retention."""
    if confirmation.strip() != shop.slug:
        raise services.ValidationFailed(
            "confirmation", gettext("Type the shop ID %(slug)s to confirm.", slug=shop.slug)
        )
    if shop.status == "closed":
        return
    for rental in numbers.rentals(shop.id):
        numbers.release(shop, rental.id, actor=actor, ip=ip)
    coverage.end_emergency(shop, actor, ip)
    shop.status, shop.closed_at = "closed", utcnow()
    services.audit("shop.closed", actor=actor, shop_id=shop.id, target=shop.slug, ip=ip)
    shop_closed.send(current_app._get_current_object(), shop=shop)  # type: ignore[attr-defined]


def deletion_date(shop: Shop) -> Any:
    days = settings_from(current_app.config).shop_retention_days
    return shop.closed_at + timedelta(days=days) if shop.closed_at else None


@periodic("purge-closed-shops", every=timedelta(hours=1))
def purge_closed_shops(app: Flask) -> None:
    """Delete shops closed longer ago than the retention period; each deletion is audited."""
    with in_system_scope(app):
        days = settings_from(app.config).shop_retention_days
        due = db.session.scalars(
            select(Shop).where(
                Shop.status == "closed", Shop.closed_at < utcnow() - timedelta(days=days)
            )
        ).all()
        for shop in due:
            services.audit(
                "shop.deleted",
                actor=None,
                shop_id=shop.id,
                target=shop.slug,
                detail={"closed_at": shop.closed_at},
            )
            db.session.delete(shop)
