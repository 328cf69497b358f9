"""Teams: 8 to 12 operators, each in one team."""

from __future__ import annotations

import pytest
from flask import Flask

from scheduling.services import TeamRefused, create_team
from tenants import services
from tenants.models import StaffRole
from tests.conftest import system
from tests.factories import PASSWORD


def operators(count: int, prefix: str = "op") -> list:
    return [
        services.create_user(
            email=f"{prefix}{i}@answering.example.jp",
            display_name=f"{prefix}{i}",
            password=PASSWORD,
            staff_role=StaffRole.OPERATOR,
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("size", [7, 13])
def test_team_outside_8_to_12_is_refused(app: Flask, size: int) -> None:
    with system(app), pytest.raises(TeamRefused, match=f"8〜12名です。{size}名が指定されました"):
        create_team("B班", leader=None, operators=operators(size))


def test_operator_joins_one_team_only(app: Flask) -> None:
    with system(app):
        crew = operators(8)
        create_team("A班", leader=None, operators=crew)
        with pytest.raises(TeamRefused, match="すでにチームに所属しています"):
            create_team("B班", leader=None, operators=crew[:4] + operators(4, "new"))


def test_supervisor_cannot_be_a_member(app: Flask) -> None:
    with system(app):
        crew = operators(7)
        crew.append(
            services.create_user(
                email="sv@answering.example.jp",
                display_name="sv",
                password=PASSWORD,
                staff_role=StaffRole.SUPERVISOR,
            )
        )
        with pytest.raises(TeamRefused, match="オペレーターだけ"):
            create_team("A班", leader=None, operators=crew)
