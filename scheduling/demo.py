"""The demo team: the eight demo operators, led by the demo supervisor."""

from __future__ import annotations

from typing import Any

from scheduling.services import create_team
from tenants.models import User


def add_demo_team(sender: Any, *, staff: dict[str, list[User]], **_: Any) -> None:
    create_team("A班", leader=staff["supervisor"][0], operators=staff["operator"])
