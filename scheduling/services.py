"""Teams of operators: 8 to 12 each, one team per operator."""

from __future__ import annotations

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
    if not name:
        raise TeamRefused("A team needs a name.")
    if len(operators) not in TEAM_SIZE:
        raise TeamRefused(
            f"A team has {TEAM_SIZE.start} to {TEAM_SIZE.stop - 1} operators; "
            f"{len(operators)} were given."
        )
    if any(user.staff_role != StaffRole.OPERATOR for user in operators):
        raise TeamRefused("Only operators can be team members.")
    taken = db.session.scalars(
        select(User.email)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.user_id.in_([u.id for u in operators]))
    ).all()
    if taken:
        raise TeamRefused(f"Already in a team: {', '.join(sorted(taken))}.")
    team = Team(id=new_id(), name=name, leader=leader)
    team.members = [TeamMember(user_id=user.id) for user in operators]
    db.session.add(team)
    return team


def teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))
