"""Rosters asked for from the week page and built by a job (`scheduling.tasks.build_roster`)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy import select

from scheduling import tasks
from scheduling.models import RosterBuild, Team
from scheduling.rosters import WorkforceRefused
from tenants.db import db, new_id, utcnow
from tenants.jobs import enqueue_after_commit
from tenants.models import User


def ask_for_roster(
    queue: str, first_day: date, tz: ZoneInfo, teams: list[Team], *, pooled: bool, actor: User
) -> RosterBuild:
    """Record the roster asked for; a job builds it once the request commits. Refused while the
    week's roster is already being built."""
    if latest_build(queue, first_day, pending_only=True) is not None:
        raise WorkforceRefused(gettext("This week's roster is already being built."))
    build = RosterBuild(
        id=new_id(),
        queue=queue,
        first_day=first_day,
        tz=tz.key,
        team_ids=sorted(str(t.id) for t in teams),
        pooled=pooled,
        state="queued",
        requested_by=actor.id,
        requested_at=utcnow(),
    )
    db.session.add(build)
    enqueue_after_commit(tasks.build_roster, build_id=str(build.id))
    return build


STALE_BUILD = timedelta(minutes=15)  # a build queued this long ago no longer holds the week


def latest_build(queue: str, first_day: date, *, pending_only: bool = False) -> RosterBuild | None:
    query = select(RosterBuild).where(
        RosterBuild.queue == queue, RosterBuild.first_day == first_day
    )
    if pending_only:
        query = query.where(
            RosterBuild.state == "queued", RosterBuild.requested_at > utcnow() - STALE_BUILD
        )
    return db.session.scalar(query.order_by(RosterBuild.requested_at.desc()).limit(1))
