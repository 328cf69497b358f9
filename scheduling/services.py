"""Teams of operators: 8 to 12 each, one team per operator."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from scheduling.models import Team, TeamMember
from tenants.db import db, new_id
from tenants.models import StaffRole, User

TEAM_SIZE = range(8, 13)


class TeamRefused(ValueError):
    """A team that the rules do not allow; the message says why."""


def create_team(name: str, *, leader: User | None, operators: list[User]) -> Team:
    """A team of 8–12 operators, each in no other team."""
    name = name.strip()
    if not name or len(name) > 80:
        raise TeamRefused(gettext("A team needs a name of up to 80 characters."))
    if len(operators) not in TEAM_SIZE:
        raise TeamRefused(
            gettext(
                "A team has %(low)d to %(high)d operators; %(count)d were given.",
                low=TEAM_SIZE.start,
                high=TEAM_SIZE.stop - 1,
                count=len(operators),
            )
        )
    if any(user.staff_role != StaffRole.OPERATOR for user in operators):
        raise TeamRefused(gettext("Only operators can be team members."))
    if leader is not None and leader.staff_role not in (StaffRole.SUPERVISOR, StaffRole.ADMIN):
        raise TeamRefused(gettext("A team is led by a supervisor."))
    if db.session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise TeamRefused(gettext("There is already a team of that name."))
    taken = db.session.scalars(
        select(User.email)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.user_id.in_([u.id for u in operators]))
    ).all()
    if taken:
        raise TeamRefused(
            gettext("Already in a team: %(emails)s.", emails=", ".join(sorted(taken)))
        )
    team = Team(id=new_id(), name=name, leader=leader)
    team.members = [TeamMember(user_id=user.id) for user in operators]
    db.session.add(team)
    return team


def teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))
