"""The demo team: the eight demo operators, led by the demo supervisor, serving the shops' queue."""

from __future__ import annotations

from typing import Any

from scheduling.queues import SHARED_QUEUE
from scheduling.rosters import set_skills
from scheduling.services import create_team
from tenants.models import User


def add_demo_team(sender: Any, *, staff: dict[str, list[User]], **_: Any) -> None:
    create_team("A班", leader=staff["supervisor"][0], operators=staff["operator"])
    for operator in staff["operator"]:
        set_skills(operator, [SHARED_QUEUE])
