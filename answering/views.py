"""The shop portal's faxes and calls: each list, each fax document and call recording (with range
requests), and their dashboard cards."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from answering import fax, history, recordings, reports
from answering.models import Call, Fax
from tenants.auth import login_required, shop_of_account
from tenants.config import settings_from
from tenants.coverage.services import today_in_tokyo
from tenants.models import Shop
from tenants.numbers import services as numbers
from tenants.scoping import get_for_shop
from tenants.storage import store

bp = Blueprint("answering", __name__, template_folder="templates")


@bp.get("/shops/<slug>/faxes/")
@login_required
def faxes(slug: str) -> str:
    membership = shop_of_account(slug)
    return render_template(
        "answering/faxes.html",
        shop=membership.shop,
        membership=membership,
        faxes=fax.faxes(membership.shop_id),
    )


@bp.get("/shops/<slug>/faxes/<fax_id>.pdf")
@login_required
def fax_document(slug: str, fax_id: str) -> Response:
    membership = shop_of_account(slug)
    found = get_for_shop(Fax, membership.shop_id, fax_id)
    if found.storage_key is None:
        abort(404)
    return send_file(
        store(current_app).path(found.storage_key),
        mimetype="application/pdf",
        conditional=True,
        download_name=f"fax-{found.received_at:%Y%m%d-%H%M}.pdf",
    )


def fax_card(sender: Any, *, shop: Shop, **_: Any) -> Markup | None:
    recent = fax.faxes(shop.id)[:3]
    # The template escapes every value it prints; its output is trusted markup.
    return Markup(render_template("answering/fax_card.html", shop=shop, faxes=recent))  # noqa: S704


@bp.get("/shops/<slug>/calls/")
@login_required
def calls_page(slug: str) -> str:
    membership = shop_of_account(slug)
    filters, problems = history.parse_filters(request.args)
    asked, refused = history.asked_page(request.args.get("page"))
    page, past_the_end = history.call_page(membership.shop_id, filters, asked)
    problems += [problem for problem in (refused, past_the_end) if problem]
    args: dict[str, Any] = filters.query_args()
    return render_template(
        "answering/calls.html",
        shop=membership.shop,
        membership=membership,
        page=page,
        filters=filters,
        problems=problems,
        national=numbers.national,
        talk_s=history.talk_s,
        page_url=lambda n: url_for("answering.calls_page", slug=slug, page=n, **args),
    )


@bp.get("/shops/<slug>/calls/<call_id>/recording.mp3")
@login_required
def recording(slug: str, call_id: str) -> Response:
    membership = shop_of_account(slug)
    call = get_for_shop(Call, membership.shop_id, call_id)
    return recordings.served(call)


def calls_card(sender: Any, *, shop: Shop, **_: Any) -> Markup | None:
    today = today_in_tokyo()
    month = reports.answer_rate(
        today.replace(day=1),
        today,
        "shop",
        shop_id=shop.id,
        sl_threshold_s=settings_from(current_app.config).sl_threshold_s,
    )
    # The template escapes every value it prints; its output is trusted markup.
    return Markup(  # noqa: S704
        render_template(
            "answering/calls_card.html",
            shop=shop,
            today=history.today_counts(shop.id),
            month=month[0] if month else None,
        )
    )
