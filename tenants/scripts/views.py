"""The FAQ script editor of the shop portal: draft, products import, publish, versions, diff."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from tenants.auth import current_account, login_required, shop_of_account
from tenants.coverage.services import today_in_tokyo
from tenants.models import ShopMembership, ShopRole
from tenants.scripts import content as script
from tenants.scripts import search, services
from tenants.scripts.csv_import import ImportRefused
from tenants.services import ValidationFailed
from tenants.web import client_ip

bp = Blueprint("scripts", __name__, url_prefix="/shops/<slug>/script")

Page = str | Response | tuple[str, int]


def _words(raw: str) -> list[str]:
    return [w.strip() for w in re.split(r"[,、，/\n]", raw or "") if w.strip()]


def _item_from_form(section: str) -> dict[str, Any]:
    form = request.form
    item: dict[str, Any] = {"id": form.get("id") or None}
    if section == "menu":
        item.update(
            key=form.get("key") or None,
            label=form.get("label", ""),
            category=form.get("category", ""),
        )
    elif section == "products":
        item.update(
            {
                k: form.get(k, "")
                for k in ("name", "reading", "sku", "url", "material", "care", "notes")
            }
        )
        item.update(sizes=_words(form.get("sizes", "")), colours=_words(form.get("colours", "")))
    elif section == "faqs":
        item.update(
            question=form.get("question", ""),
            answer=form.get("answer", ""),
            tags=_words(form.get("tags", "")),
            products=_words(form.get("products", "")),
        )
    elif section == "message_fields":
        item.update(
            key=form.get("key", ""),
            label=form.get("label", ""),
            type=form.get("type", "text"),
            required=form.get("required") == "on",
        )
    elif section == "notices":
        item.update(
            title=form.get("title", ""),
            body=form.get("body", ""),
            starts_on=form.get("starts_on") or None,
            ends_on=form.get("ends_on") or None,
        )
    return item


def _render(
    membership: ShopMembership,
    *,
    errors: dict[str, str] | None = None,
    report: Any = None,
    status: int = 200,
) -> Page:
    shop = membership.shop
    row = services.draft(shop)
    editing = None
    section_id = request.args.get("edit", "")
    if ":" in section_id and section_id.split(":", 1)[0] in script.SECTIONS:
        section, item_id = section_id.split(":", 1)
        editing = next((i for i in row.content.get(section, []) if i.get("id") == item_id), None)
        editing = {"section": section, "item": editing} if editing else None
    latest = services.latest_version(shop.id)
    return render_template(
        "scripts/editor.html",
        shop=shop,
        membership=membership,
        can_edit=membership.role == ShopRole.OWNER,
        draft=row.content,
        latest=latest,
        changed=latest is None or latest.content != row.content,
        versions=services.versions(shop.id),
        errors=errors or {},
        report=report,
        editing=editing,
        field_types=script.FIELD_TYPES,
    ), status


@bp.get("/")
@login_required
def editor(slug: str) -> Page:
    return _render(shop_of_account(slug))


@bp.post("/basics")
@login_required
def basics(slug: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    try:
        services.update_basics(
            membership.shop,
            greeting=request.form.get("greeting", ""),
            after_hours_message=request.form.get("after_hours_message", ""),
            keywords=_words(request.form.get("keywords", "")),
            categories=_words(request.form.get("categories", "")),
        )
    except ValidationFailed as failure:
        return _render(membership, errors={"basics": failure.message}, status=400)
    flash(gettext("Draft saved."), "info")
    return redirect(url_for("scripts.editor", slug=slug))


@bp.post("/items/<section>")
@login_required
def save_item(slug: str, section: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    if section not in script.SECTIONS:
        abort(404)
    try:
        services.save_item(membership.shop, section, _item_from_form(section))
    except ValidationFailed as failure:
        message = gettext("%(field)s: %(message)s", field=failure.field, message=failure.message)
        return _render(membership, errors={section: message}, status=400)
    flash(gettext("Draft saved."), "info")
    return redirect(url_for("scripts.editor", slug=slug) + f"#{section}")


@bp.post("/items/<section>/<item_id>/delete")
@login_required
def delete_item(slug: str, section: str, item_id: str) -> Response:
    membership = shop_of_account(slug, owner=True)
    if section not in script.SECTIONS:
        abort(404)
    services.delete_item(membership.shop, section, item_id)
    flash(gettext("Removed from the draft."), "info")
    return redirect(url_for("scripts.editor", slug=slug) + f"#{section}")


@bp.post("/import")
@login_required
def import_products(slug: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render(membership, errors={"import": gettext("Choose a CSV file.")}, status=400)
    try:
        raw = upload.read(2 * 1024 * 1024 + 1)
    finally:
        upload.close()
    try:
        report = services.import_products(membership.shop, raw)
    except ImportRefused as refused:
        return _render(membership, errors={"import": str(refused)}, status=400)
    except ValidationFailed as failure:
        return _render(membership, errors={"import": failure.message}, status=400)
    return _render(membership, report=report)


@bp.post("/publish")
@login_required
def publish(slug: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    try:
        version = services.publish(membership.shop, current_account(), client_ip())
    except ValidationFailed as failure:
        return _render(membership, errors={"publish": failure.message}, status=400)
    flash(
        gettext(
            "Version %(n)d is published: operators see it from the next call.", n=version.number
        ),
        "info",
    )
    return redirect(url_for("scripts.editor", slug=slug))


@bp.get("/preview")
@login_required
def preview(slug: str) -> str:
    membership = shop_of_account(slug)
    return _operator_view(membership, services.draft(membership.shop).content, None)


@bp.get("/versions/<int:number>")
@login_required
def show_version(slug: str, number: int) -> str:
    membership = shop_of_account(slug)
    found = services.version(membership.shop_id, number)
    if found is None:
        abort(404)
    return _operator_view(membership, found.content, found)


def _operator_view(membership: ShopMembership, content: dict[str, Any], version: Any) -> str:
    query = request.args.get("q", "")[:200]
    return render_template(
        "scripts/operator_view.html",
        query=query,
        hits=search.search(content, query) if query else [],
        shop=membership.shop,
        membership=membership,
        content=content,
        version=version,
        notices=script.current_notices(content, today_in_tokyo()),
    )


@bp.get("/diff")
@login_required
def diff(slug: str) -> Page:
    membership = shop_of_account(slug)
    try:
        old_n, new_n = int(request.args.get("from", "")), int(request.args.get("to", ""))
    except ValueError:
        abort(404)
    old, new = (
        services.version(membership.shop_id, old_n),
        services.version(membership.shop_id, new_n),
    )
    if old is None or new is None:
        abort(404)
    return render_template(
        "scripts/diff.html",
        shop=membership.shop,
        membership=membership,
        old=old,
        new=new,
        lines=services.diff(old.content, new.content),
    )
