"""Operators' states (offline, ready, on call, after-call work, break, not ready), each change logged."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from scheduling.models import OPERATOR_STATES, OperatorState, OperatorStateChange
from tenants.db import db, new_id, utcnow
from tenants.models import StaffRole, User

BREAK_REASONS = ("lunch", "rest", "training", "meeting", "other")


class StateRefused(ValueError):
    """A state change the rules do not allow; the message says why."""


def state_of(operator: User) -> OperatorState:
    row = db.session.get(OperatorState, operator.id)
    if row is None:
        row = OperatorState(operator_id=operator.id, state="offline", since=utcnow())
        db.session.add(row)
    return row


def set_state(operator: User, state: str, *, reason: str | None, actor: User) -> OperatorState:
    """Change an operator's state (themselves, or a supervisor or admin); log it with the time."""
    if operator.staff_role != StaffRole.OPERATOR:
        raise StateRefused(gettext("Only operators have a state."))
    if actor.id != operator.id and actor.staff_role not in (StaffRole.SUPERVISOR, StaffRole.ADMIN):
        raise StateRefused(gettext("Only supervisors change another operator's state."))
    if state not in OPERATOR_STATES:
        raise StateRefused(gettext("Unknown state."))
    if state == "on_call":
        raise StateRefused(gettext("On call is set by the call itself."))
    if state == "break":
        if reason not in BREAK_REASONS:
            raise StateRefused(gettext("Choose the reason for the break."))
    else:
        reason = None
    row = state_of(operator)
    if (row.state, row.reason) == (state, reason):
        return row
    now = utcnow()
    row.state, row.reason, row.since = state, reason, now
    db.session.add(
        OperatorStateChange(
            id=new_id(),
            operator_id=operator.id,
            state=state,
            reason=reason,
            at=now,
            changed_by=actor.id,
        )
    )
    return row


def board() -> list[tuple[User, OperatorState | None]]:
    """Every operator with their state (None: never signed in)."""
    operators = db.session.scalars(
        select(User)
        .where(User.staff_role == StaffRole.OPERATOR, User.is_active.is_(True))
        .order_by(User.display_name)
    ).all()
    states = {s.operator_id: s for s in db.session.scalars(select(OperatorState))}
    return [(user, states.get(user.id)) for user in operators]


def changes(operator: User, limit: int = 50) -> list[OperatorStateChange]:
    return list(
        db.session.scalars(
            select(OperatorStateChange)
            .where(OperatorStateChange.operator_id == operator.id)
            .order_by(OperatorStateChange.at.desc())
            .limit(limit)
        )
    )
