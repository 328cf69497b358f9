"""The shared scorecard items supervisors manage: add, rename, reweight, mark critical, retire and
bring back. Every change applies to calls still to review; a reviewed call keeps the copy of the
items it was scored with, so its score never moves.

Weights are whole numbers from 1 to 100 (a critical item's weight is kept but not counted: failing
it fails the call); names are unique among the items in use, compared as a reader would (width,
case and surrounding spaces aside).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from answering.quality_models import QaCriterion
from tenants.db import db, new_id, utcnow
from tenants.models import AuditEvent, User
from tenants.services import audit

MAX_WEIGHT = 100
MAX_LABEL = 200
WHOLE_NUMBER = re.compile(r"\d{1,4}")


@dataclass(frozen=True)
class Criterion:
    """One item of a scorecard, shared or drawn from the shop's script."""

    key: str
    label: str
    weight: int
    critical: bool = False
    source: str = "shared"  # or "script"


class CriterionRefused(ValueError):
    """A change to the scorecard items that cannot be saved; the message says why."""


def in_use() -> list[QaCriterion]:
    return list(
        db.session.scalars(
            select(QaCriterion)
            .where(QaCriterion.retired_at.is_(None))
            .order_by(QaCriterion.position, QaCriterion.id)
        )
    )


def retired() -> list[QaCriterion]:
    return list(
        db.session.scalars(
            select(QaCriterion)
            .where(QaCriterion.retired_at.is_not(None))
            .order_by(QaCriterion.retired_at.desc())
        )
    )


def shared_criteria() -> list[Criterion]:
    """The shared items a call still to review is scored with, in their order."""
    return [Criterion(c.key, c.label, c.weight, c.critical) for c in in_use()]


def get(criterion_id: str) -> QaCriterion:
    try:
        found = db.session.get(QaCriterion, uuid.UUID(str(criterion_id)))
    except ValueError:
        found = None
    if found is None:
        raise NotFound()
    return found


def _comparable(label: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", label).casefold().split())


def _label(raw: str | None, *, other_than: QaCriterion | None = None) -> str:
    label = " ".join((raw or "").split())
    if not label:
        raise CriterionRefused(gettext("Give the item a name."))
    if len(label) > MAX_LABEL:
        raise CriterionRefused(gettext("Keep the name under %(n)d characters.", n=MAX_LABEL))
    wanted = _comparable(label)
    for criterion in in_use():
        if criterion is not other_than and _comparable(criterion.label) == wanted:
            raise CriterionRefused(
                gettext("An item in use is already called “%(name)s”.", name=criterion.label)
            )
    return label


def _weight(raw: str | None) -> int:
    text = (raw or "").strip()
    if not WHOLE_NUMBER.fullmatch(text) or not 1 <= int(text) <= MAX_WEIGHT:
        raise CriterionRefused(gettext("Weights are whole numbers from 1 to %(n)d.", n=MAX_WEIGHT))
    return int(text)


def audit_names(
    _sender: object, *, events: Iterable[AuditEvent]
) -> dict[tuple[uuid.UUID, str], str]:
    """The scorecard items a page of the audit log names by key, by their names now (the
    `audit_names` signal), in one query; a key no item has any more is left unnamed."""
    wanted = {
        event.id: event.target
        for event in events
        if event.action.startswith("quality.criterion_") and event.target
    }
    if not wanted:
        return {}
    found: dict[str, str] = {
        key: name
        for key, name in db.session.execute(
            select(QaCriterion.key, QaCriterion.label).where(
                QaCriterion.key.in_(set(wanted.values()))
            )
        )
    }
    return {(event_id, "target"): found[key] for event_id, key in wanted.items() if key in found}


def _stamp(criterion: QaCriterion, actor: User, action: str, ip: str | None) -> None:
    """Write the change (refused with a message if a name in use was taken meanwhile) and audit it."""
    criterion.changed_at, criterion.changed_by = utcnow(), actor.id
    # Flushed in a savepoint so that a name taken by another supervisor a moment ago is refused
    # with a message (the unique index on names in use), not an error page.
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise CriterionRefused(
            gettext("An item in use is already called “%(name)s”.", name=criterion.label)
        ) from None
    audit(
        f"quality.criterion_{action}",
        actor=actor,
        target=criterion.key,
        ip=ip,
        detail={
            "label": criterion.label,
            "weight": criterion.weight,
            "critical": criterion.critical,
        },
    )


def add(form: Mapping[str, str], actor: User, ip: str | None = None) -> QaCriterion:
    """A new shared item at the end of the scorecard."""
    label, weight = _label(form.get("label")), _weight(form.get("weight"))
    last = db.session.scalar(select(func.max(QaCriterion.position)))
    criterion = QaCriterion(
        id=new_id(),
        key=f"item-{uuid.uuid4().hex[:12]}",
        label=label,
        weight=weight,
        critical=form.get("critical") == "yes",
        position=(last or 0) + 1,
    )
    db.session.add(criterion)
    _stamp(criterion, actor, "added", ip)
    return criterion


def change(
    criterion: QaCriterion, form: Mapping[str, str], actor: User, ip: str | None = None
) -> QaCriterion:
    """Rename, reweight or mark critical an item in use."""
    if criterion.retired_at is not None:
        raise CriterionRefused(gettext("Bring the item back before changing it."))
    label = _label(form.get("label"), other_than=criterion)
    weight = _weight(form.get("weight"))
    criterion.label, criterion.weight = label, weight
    criterion.critical = form.get("critical") == "yes"
    _stamp(criterion, actor, "changed", ip)
    return criterion


def retire(criterion: QaCriterion, actor: User, ip: str | None = None) -> QaCriterion:
    if criterion.retired_at is None:
        criterion.retired_at = utcnow()
        _stamp(criterion, actor, "retired", ip)
    return criterion


def restore(criterion: QaCriterion, actor: User, ip: str | None = None) -> QaCriterion:
    """Back on the scorecard, at its end, if no item in use has taken its name meanwhile."""
    if criterion.retired_at is not None:
        _label(criterion.label)
        last = db.session.scalar(select(func.max(QaCriterion.position)))
        criterion.retired_at, criterion.position = None, (last or 0) + 1
        _stamp(criterion, actor, "restored", ip)
    return criterion
