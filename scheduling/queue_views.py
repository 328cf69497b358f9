"""Staff put each shop's calls in a queue (the shared one until then) and see who serves each."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from scheduling import queues
from scheduling.models import OperatorSkill
from tenants.auth import current_account, staff_required
from tenants.db import db
from tenants.models import Shop, StaffRole, User
from tenants.services import ValidationFailed
from tenants.web import client_ip

bp = Blueprint("queues", __name__, url_prefix="/staff/queues", template_folder="templates")


def _page(
    errors: dict[str, str] | None = None, typed: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    shops = list(
        db.session.scalars(select(Shop).where(Shop.status != "closed").order_by(Shop.name))
    )
    assigned = queues.assignments()
    of_shop = {shop.id: assigned.get(shop.id, queues.SHARED_QUEUE) for shop in shops}
    skilled: Counter[str] = Counter(
        db.session.scalars(
            select(OperatorSkill.queue)
            .join(User, User.id == OperatorSkill.user_id)
            .where(User.is_active.is_(True))
        )
    )
    names = queues.known()
    summary = [
        (name, sum(1 for q in of_shop.values() if q == name), skilled[name]) for name in names
    ]
    return render_template(
        "scheduling/queues.html",
        shops=shops,
        of_shop=of_shop,
        names=names,
        summary=summary,
        errors=errors or {},
        typed=typed or {},
    ), status


@bp.get("/")
@staff_required(StaffRole.SUPERVISOR, StaffRole.ADMIN)
def page() -> tuple[str, int]:
    return _page()


@bp.post("/<slug>")
@staff_required(StaffRole.SUPERVISOR, StaffRole.ADMIN)
def assign(slug: str) -> Response | tuple[str, int]:
    shop = db.session.scalar(select(Shop).where(Shop.slug == slug, Shop.status != "closed"))
    if shop is None:
        abort(404)
    typed = request.form.get("queue", "")[:100]
    try:
        queue = queues.assign(shop, typed, actor=current_account(), ip=client_ip())
    except ValidationFailed as refused:
        return _page({slug: refused.message}, {slug: typed}, 400)
    flash(
        gettext(
            "%(shop)s's calls wait in %(queue)s from the next call on.",
            shop=shop.name,
            queue=queues.label(queue),
        ),
        "info",
    )
    return redirect(url_for("queues.page"))
