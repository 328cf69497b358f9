"""`/staff/queues/` (supervisors and admins): the queues with their names, shops and skilled
operators; creating, renaming and deleting a queue; and the queue each shop's calls wait in."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from scheduling import queues, weekview
from scheduling.models import OperatorSkill, Queue, Team
from tenants.auth import current_account, staff_required
from tenants.db import db
from tenants.flashes import flash_in
from tenants.models import Shop, StaffRole, User
from tenants.services import ValidationFailed
from tenants.web import client_ip

bp = Blueprint("queues", __name__, url_prefix="/staff/queues", template_folder="templates")
SUPERVISORS = (StaffRole.SUPERVISOR, StaffRole.ADMIN)


def _generalists() -> int:
    """Active operators with no skills set: they serve every queue."""
    skilled = select(OperatorSkill.user_id)
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                User.staff_role == StaffRole.OPERATOR,
                User.is_active.is_(True),
                User.id.not_in(skilled),
            )
        )
        or 0
    )


def _page(
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
    teams: list[Team] | None = None,
) -> tuple[str, int]:
    """The page; `errors` and `typed` are keyed by form (`new.key`, `name.<key>`, `shop.<slug>`…).

    A refused form is answered with this page at the form's own address; its forms post to an
    address ending in the refused row's anchor, so the browser shows the message where the user
    was, and a later visit to that address (GET) goes back to the list."""
    rows = queues.all_queues()
    used = queues.usage()
    of_shop = {
        shop.id: key for key, use in used.items() for shop in use.shops
    }  # every open shop is in exactly one queue
    shops = sorted(
        (shop for use in used.values() for shop in use.shops), key=lambda s: (s.name, s.slug)
    )
    choices = [(q.key, q.name) for q in rows]
    known = {q.key for q in rows}
    # A shop in a queue without a row (left by an older release) keeps it as a choice, so that
    # saving another row of the page never moves it by accident.
    strays = sorted({key for key in of_shop.values() if key not in known})
    return render_template(
        "scheduling/queues.html",
        rows=rows,
        used=used,
        empty=queues.Usage(),
        planned=set(weekview.queues()),
        generalists=_generalists(),
        shops=shops,
        of_shop=of_shop,
        choices=choices + [(key, key) for key in strays],
        shared=queues.SHARED_QUEUE,
        errors=errors or {},
        typed=typed or {},
        teams=teams or [],
    ), status


def _queue_or_404(key: str) -> Queue:
    found = queues.get(key)
    if found is None:
        abort(404)
    return found


@bp.get("/")
@staff_required(*SUPERVISORS)
def page() -> tuple[str, int]:
    return _page()


@bp.post("/")
@staff_required(*SUPERVISORS)
def create() -> Response | tuple[str, int]:
    typed = {
        "new.key": request.form.get("key", "")[:100],
        "new.name": request.form.get("name", "")[:100],
    }
    try:
        queue = queues.create(
            typed["new.key"], typed["new.name"], actor=current_account(), ip=client_ip()
        )
    except queues.QueueRefused as refused:
        errors = {f"new.{field}": message for field, message in refused.errors.items()}
        return _page(errors, typed, 400)
    flash_in(
        "queues",
        gettext(
            "Queue %(name)s created: move shops into it below and give operators its skill.",
            name=queue.name,
        ),
    )
    return redirect(url_for("queues.page", _anchor="queues"))


@bp.post("/<key>/name")
@staff_required(*SUPERVISORS)
def rename(key: str) -> Response | tuple[str, int]:
    queue = _queue_or_404(key)
    typed = request.form.get("name", "")[:100]
    before = queue.name
    try:
        queues.rename(queue, typed, actor=current_account(), ip=client_ip())
    except queues.QueueRefused as refused:
        return _page({f"name.{key}": refused.errors["name"]}, {f"name.{key}": typed}, 400)
    if queue.name != before:
        flash_in(
            "queues",
            gettext("Queue %(before)s is now called %(name)s.", before=before, name=queue.name),
        )
    return redirect(url_for("queues.page", _anchor="queues"))


@bp.post("/<key>/delete")
@staff_required(*SUPERVISORS)
def delete(key: str) -> Response | tuple[str, int]:
    queue = _queue_or_404(key)
    name = queue.name
    if request.form.get("confirm") != "yes":  # a queue deleted is gone with its name
        refused = gettext("Tick the box to confirm: the queue %(name)s is deleted.", name=name)
        return _page({f"delete.{key}": refused}, status=400)
    try:
        queues.delete_queue(queue, actor=current_account(), ip=client_ip())
    except queues.QueueRefused as refused:
        return _page({f"delete.{key}": refused.errors["delete"]}, status=409, teams=refused.teams)
    flash_in("queues", gettext("Queue %(name)s deleted.", name=name))
    return redirect(url_for("queues.page", _anchor="queues"))


@bp.get("/<key>/name")
@bp.get("/<key>/delete")
@bp.get("/<key>")
@staff_required(*SUPERVISORS)
def back_to_list(key: str) -> Response:
    """The address a refused form was answered at, visited again: the list."""
    return redirect(url_for("queues.page"))


@bp.post("/<slug>")
@staff_required(*SUPERVISORS)
def assign(slug: str) -> Response | tuple[str, int]:
    shop = db.session.scalar(select(Shop).where(Shop.slug == slug, Shop.status != "closed"))
    if shop is None:
        abort(404)
    chosen = request.form.get("queue", "")[:100]
    try:
        key = queues.assign(shop, chosen, actor=current_account(), ip=client_ip())
    except ValidationFailed as refused:
        return _page({f"shop.{slug}": refused.message}, {f"shop.{slug}": chosen}, 400)
    flash_in(
        "shops",
        gettext(
            "%(shop)s's calls wait in %(queue)s from the next call on.",
            shop=shop.name,
            queue=queues.label(key),
        ),
    )
    return redirect(url_for("queues.page", _anchor="shops"))
