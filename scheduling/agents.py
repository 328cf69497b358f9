"""Operators' states (offline, ready, on call, after-call work, break, not ready), each change logged."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import ColumnElement, and_, case, or_, select, update

from scheduling.models import OPERATOR_STATES, OperatorSkill, OperatorState, OperatorStateChange
from tenants.db import db, new_id, utcnow
from tenants.models import StaffRole, User
from tenants.signals import operator_free

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
    if not state:
        raise StateRefused(gettext("Choose the new state."))
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
    if row.state == "on_call" and actor.id == operator.id:
        raise StateRefused(gettext("You are on a call: your state changes when it ends."))
    row.call_sid = None  # a supervisor taking an operator off a call frees them for the next
    now = utcnow()
    row.state, row.reason, row.since = state, reason, now
    if state != "after_call_work":
        row.after_call_until = None
    _log(operator.id, state, reason, now, actor.id)
    return row


def _log(
    operator_id: object, state: str, reason: str | None, at: datetime, actor: object | None
) -> None:
    db.session.add(
        OperatorStateChange(
            id=new_id(),
            operator_id=operator_id,
            state=state,
            reason=reason,
            at=at,
            changed_by=actor,
        )
    )


def _available(now: datetime) -> ColumnElement[bool]:
    """Ready, or at the end of their after-call work."""
    return or_(
        OperatorState.state == "ready",
        and_(
            OperatorState.state == "after_call_work",
            OperatorState.after_call_until.is_not(None),
            OperatorState.after_call_until <= now,
        ),
    )


def skilled_for(queue: str) -> ColumnElement[bool]:
    """Operators who may serve `queue`: those with it among their skills, and those with no skills
    set at all (generalists, who serve every queue)."""
    skills = select(OperatorSkill.user_id).where(OperatorSkill.user_id == OperatorState.operator_id)
    return or_(~skills.exists(), skills.where(OperatorSkill.queue == queue).exists())


def reserve_longest_idle(call_sid: str, now: datetime, queue: str) -> OperatorState | None:
    """Give the call to the operator skilled for its queue who has been idle the longest,
    atomically: the row is claimed with a compare-and-set on its state, and on PostgreSQL
    candidates another transaction holds are skipped, so no operator gets two calls however many
    calls are routed at once."""
    available = _available(now)
    idle_since = case(
        (OperatorState.state == "ready", OperatorState.since),
        else_=OperatorState.after_call_until,
    )
    for _ in range(8):
        query = (
            select(OperatorState.operator_id, OperatorState.state, OperatorState.after_call_until)
            .join(User, User.id == OperatorState.operator_id)
            .where(
                available,
                skilled_for(queue),
                User.is_active.is_(True),
                User.staff_role == StaffRole.OPERATOR,
            )
            .order_by(idle_since, OperatorState.operator_id)
            .limit(1)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=OperatorState, skip_locked=True)
        candidate = db.session.execute(query).first()
        if candidate is None:
            return None
        # their after-call work ended by the clock: they were ready from then
        ready_since = candidate.after_call_until if candidate.state == "after_call_work" else None
        if _claim(candidate.operator_id, available, call_sid, now, ready_since=ready_since):
            return db.session.get(OperatorState, candidate.operator_id)
    return None


def _claim(
    operator_id: object,
    free: ColumnElement[bool],
    call_sid: str,
    now: datetime,
    *,
    ready_since: datetime | None = None,
) -> bool:
    """Put the operator on this call if their row still matches `free` (a compare-and-set: of
    two transactions claiming one operator, one wins), log it (after the ready they passed
    through at `ready_since`, if any) and refresh the row in the session."""
    claimed = db.session.execute(
        update(OperatorState)
        .where(OperatorState.operator_id == operator_id, free)
        .values(state="on_call", reason=None, since=now, call_sid=call_sid, after_call_until=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if ready_since is not None:
        _log(operator_id, "ready", None, ready_since, None)
    _log(operator_id, "on_call", None, now, None)
    row = db.session.get(OperatorState, operator_id)
    if row is not None:
        db.session.refresh(row)
    return True


def take_transfer(person: User, call_sid: str, now: datetime) -> bool:
    """A call transferred to this supervisor (or operator) becomes theirs, unless they are on
    another call already; their state row is made if they never had one."""
    state_of(person)
    db.session.flush()  # the row exists before the compare-and-set below
    return _claim(person.id, OperatorState.state != "on_call", call_sid, now)


def take_back(operator_id: object, call_sid: str, now: datetime, left_at: datetime) -> bool:
    """A call this operator transferred comes back to them, if they are still free for it: in
    the after-call work they went to when they transferred it at `left_at` (their state has not
    changed since), or ready. The same compare-and-set as `reserve_longest_idle` (`_claim`), so no operator
    gets two calls however the call races the routing of others."""
    free_for_it = or_(
        OperatorState.state == "ready",
        and_(OperatorState.state == "after_call_work", OperatorState.since == left_at),
    )
    return _claim(operator_id, free_for_it, call_sid, now)


def busy(person_id: object) -> bool:
    row = db.session.get(OperatorState, person_id)
    return row is not None and row.state == "on_call"


def holds(person_id: object, call_sid: str) -> bool:
    """Whether this call is still the one on the person's line (not hung up, not handed on)."""
    row = db.session.get(OperatorState, person_id)
    return row is not None and row.call_sid == call_sid


def release(
    operator_id: object, call_sid: str, state: str, now: datetime, after_call: timedelta
) -> bool:
    """The call given to this operator is over for them: after-call work (they talked), not ready
    (they let it ring out) or ready (the caller left first). Only the operator's current call
    moves them, so a late or repeated callback of an earlier call changes nothing."""
    values: dict[str, object] = {"state": state, "since": now, "call_sid": None, "reason": None}
    values["after_call_until"] = now + after_call if state == "after_call_work" else None
    released = db.session.execute(
        update(OperatorState)
        .where(OperatorState.operator_id == operator_id, OperatorState.call_sid == call_sid)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if released.rowcount != 1:  # type: ignore[attr-defined]
        return False
    _log(operator_id, state, None, now, None)
    row = db.session.get(OperatorState, operator_id)
    if row is not None:
        db.session.refresh(row)
    if state in ("ready", "after_call_work"):
        operator_free.send(None, operator_id=operator_id, at=values["after_call_until"] or now)
    return True


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
