"""The operator's call controls: hold and resume, mute, transfer to a supervisor, hang up.

They follow Twilio's model of a call bridged with `<Dial><Client>`: the caller's call is changed
through the carrier's REST API (`calls(sid).update`), which interrupts the verb it is in.

- Hold: the caller's call gets new TwiML that puts them alone in a queue named for their call,
  hearing the hold message; the operator's leg ends, but the call stays theirs (its late callback
  is told apart by the dial number in its URL). Resume dials the same operator again (dial 2, 3…).
- Transfer (cold, with a whisper): the caller's call gets a `<Dial>` of the supervisor's browser
  phone; the supervisor hears "転送です" and the shop's name first. The call record keeps the
  operator who answered and the supervisor it went to; the operator goes to after-call work.
  A transfer nobody picks up hands the caller back, never ends the call: to the operator who
  transferred it if they are still free for it, else to the head of the queue (`hand_back`).
- Hang up: the call is updated with `status=completed`; the operator goes to after-call work.
- Mute: the browser phone's own (`call.mute()` of Twilio's Voice SDK) when one is connected; the
  carrier has no mute for a `<Dial>` leg. The console keeps the state on the call record, so it
  stays right across page loads and without the SDK.

Every use is logged on the call (`CallControl`). The carrier is asked last, after every check
and write: a refusal from it raises, and the request rolls back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select

from answering import calls, legs, messages
from answering.models import Call, CallControl
from answering.providers import CarrierUnavailable, Telephony
from scheduling import agents
from tenants.db import db, new_id
from tenants.models import StaffRole, User

log = logging.getLogger(__name__)


class ControlRefused(ValueError):
    """A control that cannot be used now; the message tells the operator why."""


def controls_of(call: Call) -> list[CallControl]:
    """The controls used on this call, oldest first (read in the call's shop scope)."""
    return list(
        db.session.scalars(
            select(CallControl)
            .where(CallControl.shop_id == call.shop_id, CallControl.call_id == call.id)
            .order_by(CallControl.at, CallControl.id)
        )
    )


def transfer_targets(operator: User) -> list[User]:
    """Supervisors a call can go to now: active, and not on a call of their own."""
    found = db.session.scalars(
        select(User)
        .where(
            User.staff_role == StaffRole.SUPERVISOR,
            User.is_active.is_(True),
            User.id != operator.id,
        )
        .order_by(User.display_name)
    ).all()
    return [user for user in found if not agents.busy(user.id)]


def live(operator: User, call: Call) -> bool:
    """Whether this call is on the operator's line now (the controls apply)."""
    state = agents.state_of(operator)
    return (
        state.state == "on_call"
        and state.call_sid == call.call_sid
        and call.answered_at is not None
        and call.returned_at is None  # a handed-back caller is not on the line until picked up
        and call.ended_at is None
    )


def hold(telephony: Telephony, operator: User, call_sid: str, now: datetime) -> Call:
    call = _live_call(operator, call_sid)
    if call.held_since is not None:
        raise ControlRefused(gettext("The caller is on hold already."))
    call.held_since = now
    _log(call, "hold", operator.id, now, f"dial {call.leg_round}")
    _ask(telephony, call, twiml=legs.hold(call))
    return call


def resume(telephony: Telephony, operator: User, call_sid: str, now: datetime) -> Call:
    call = _live_call(operator, call_sid)
    if call.held_since is None:
        raise ControlRefused(gettext("The caller is not on hold."))
    _end_hold(call, now)
    call.leg_round += 1
    _log(call, "resume", operator.id, now, f"dial {call.leg_round}")
    _ask(telephony, call, twiml=legs.dial(call, operator.id))
    return call


def mute(operator: User, call_sid: str, muted: bool, now: datetime) -> Call:
    call = _live_call(operator, call_sid)
    if call.held_since is not None:
        raise ControlRefused(gettext("The caller is on hold: they cannot hear you anyway."))
    if call.muted != muted:
        call.muted = muted
        _log(call, "mute" if muted else "unmute", operator.id, now, None)
    return call


def transfer(
    telephony: Telephony,
    operator: User,
    call_sid: str,
    supervisor_id: uuid.UUID | None,
    now: datetime,
    after_call: timedelta,
) -> Call:
    """Put the caller through to a supervisor; the operator's part of the call is over."""
    call = _live_call(operator, call_sid)
    target = db.session.get(User, supervisor_id) if supervisor_id is not None else None
    if (
        target is None
        or target.staff_role != StaffRole.SUPERVISOR
        or not target.is_active
        or target.id == operator.id
    ):
        raise ControlRefused(gettext("Choose a supervisor to transfer the call to."))
    if not agents.take_transfer(target, call.call_sid, now):
        raise ControlRefused(
            gettext("%(name)s is on another call. Choose someone else.", name=target.display_name)
        )
    _end_hold(call, now)
    call.transferred_to_id, call.transferred_at = target.id, now
    call.leg_round += 1  # the supervisor's dial: its late reports are told from any later one's
    _log(call, "transfer", operator.id, now, f"{target.display_name} ({target.id})")
    agents.release(operator.id, call.call_sid, "after_call_work", now, after_call)
    _ask(telephony, call, twiml=legs.dial(call, target.id, transfer=True))
    return call


def hang_up(
    telephony: Telephony, operator: User, call_sid: str, now: datetime, after_call: timedelta
) -> Call:
    call = _live_call(operator, call_sid)
    _end_hold(call, now)
    _log(call, "hang_up", operator.id, now, None)
    agents.release(operator.id, call.call_sid, "after_call_work", now, after_call)
    _ask(telephony, call, hang_up=True)
    return call


def resume_missed(
    call: Call, operator_id: uuid.UUID, params: Mapping[str, str], round_: int, now: datetime
) -> bool:
    """The outcome of a resume's dial: True when the operator did not pick up (the caller goes
    back on hold, the operator may resume again). A dial cut short because the operator hung up
    meanwhile (their line no longer holds the call) puts no one back on hold."""
    if round_ != call.leg_round or params.get("DialCallStatus") in ("completed", "answered"):
        return False
    if call.ended_at is not None or not agents.holds(operator_id, call.call_sid):
        return False
    if call.held_since is None:
        call.held_since = now
        _log(call, "hold", None, now, f"dial {round_} not answered")
    return True


def transfer_answered(params: Mapping[str, str]) -> bool:
    """Whether the supervisor talked with the caller (the outcome of a transfer's dial)."""
    return params.get("DialCallStatus") in ("completed", "answered")


def hand_back(
    call: Call, supervisor: uuid.UUID, params: Mapping[str, str], round_: int, now: datetime
) -> None:
    """The supervisor did not pick up (no answer, busy, failed): the supervisor is freed and the
    caller handed back, to the operator who transferred the call if they are still free for it
    (in the after-call work this transfer began, or ready), else to the queue at their first
    place. Only the report of the live transfer does it (the round of its dial), so a repeated
    or late one changes nothing."""
    if round_ != call.leg_round or call.transferred_to_id != supervisor:
        return
    call.leg_round += 1  # the next dial's; from now on a repeat of this report is a late one
    status = params.get("DialCallStatus", "")
    _log(call, "transfer_failed", None, now, status[:40])
    # The supervisor's leg may report its end late or never: free them now, as that report would.
    rang_out = "ready" if status == "canceled" else "not_ready"
    agents.release(supervisor, call.call_sid, rang_out, now, timedelta(0))
    if call.ended_at is not None:
        return  # the caller hung up while the supervisor's phone rang
    call.returned_at = now
    operator = db.session.get(User, call.operator_id) if call.operator_id is not None else None
    if (
        operator is not None
        and operator.is_active
        and call.transferred_at is not None
        and agents.take_back(operator.id, call.call_sid, now, call.transferred_at)
    ):
        call.routed_at = now
        _log(call, "returned", operator.id, now, operator.display_name[:200])
    else:
        call.operator_id = None
        _log(call, "requeued", None, now, None)


def requeue_missed(
    call: Call, operator_id: uuid.UUID, params: Mapping[str, str], now: datetime
) -> bool:
    """An operator the handed-back caller was given to did not pick up (this dial): they are
    freed as their leg's end would (it may come late), and the caller waits in the queue. True
    when it was the operator who transferred the call: logged once, naming them (later operators
    who let it ring are routing's ordinary misses)."""
    rang_out = "ready" if params.get("DialCallStatus") == "canceled" else "not_ready"
    agents.release(operator_id, call.call_sid, rang_out, now, timedelta(0))
    last = db.session.scalars(
        select(CallControl)
        .where(CallControl.shop_id == call.shop_id, CallControl.call_id == call.id)
        .order_by(CallControl.at.desc(), CallControl.id.desc())
        .limit(1)
    ).first()
    if last is None or last.action != "returned" or last.actor_id != operator_id:
        return False
    _log(call, "requeued", None, now, last.detail)
    return True


def picked_up(call: Call, operator_id: uuid.UUID, round_: int, now: datetime) -> None:
    """The operator the handed-back caller was given to picked up (this dial, not an earlier
    one): the call is on their line again, and the log says who has it now."""
    if call.returned_at is None or call.operator_id != operator_id or round_ != call.leg_round:
        return
    call.returned_at = None
    operator = db.session.get(User, operator_id)
    _log(call, "picked_up", operator_id, now, operator.display_name[:200] if operator else None)


def _live_call(operator: User, call_sid: str) -> Call:
    """The operator's call, locked, if it is on their line now; 404 for anyone else's."""
    found = messages.operators_call(operator, call_sid)
    call = calls.find_call(found.shop_id, found.call_sid, lock=True) or found
    if not live(operator, call):
        raise ControlRefused(gettext("This call is no longer on your line."))
    return call


def _end_hold(call: Call, now: datetime) -> None:
    if call.held_since is not None:
        call.hold_s += max(0, int((now - call.held_since).total_seconds()))
        call.held_since = None


def _log(
    call: Call, action: str, actor: uuid.UUID | None, now: datetime, detail: str | None
) -> None:
    db.session.add(
        CallControl(
            id=new_id(),
            shop_id=call.shop_id,
            call_id=call.id,
            action=action,
            actor_id=actor,
            at=now,
            detail=detail,
        )
    )


def _ask(
    telephony: Telephony, call: Call, *, twiml: str | None = None, hang_up: bool = False
) -> None:
    db.session.flush()  # our side is written (and checked) before the carrier is asked
    try:
        telephony.update_call(call.call_sid, twiml=twiml, hang_up=hang_up)
    except CarrierUnavailable as error:
        log.warning(
            "carrier refused a call update", extra={"call_sid": call.call_sid, "error": str(error)}
        )
        raise ControlRefused(
            gettext("The phone line did not take the change. Try again.")
        ) from error
