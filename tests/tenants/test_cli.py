"""The command-line tools: demo seed, staff, tokens."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from scheduling.models import Team
from tenants.models import Shop, User
from tests.conftest import system
from tests.factories import make_shop


def test_seed_demo_adds_the_demo_once_and_prints_logins(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "owner@hanako-zakka.example.jp" in first.output
    assert "demo-pass-2026" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "already present" in second.output
    with system(app) as session:
        assert session.scalar(select(func.count()).select_from(Shop)) == 2
        roles = session.scalars(select(User.staff_role).where(User.staff_role.is_not(None))).all()
        assert sorted(set(roles)) == ["admin", "operator", "supervisor"]
        assert roles.count("operator") == 8
        team = session.scalars(select(Team)).one()
        assert len(team.members) == 8
        assert team.leader is not None
        assert team.leader.staff_role == "supervisor"


def test_create_staff_reads_the_password_from_stdin(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "tenants",
            "create-staff",
            "--role",
            "supervisor",
            "new-sv@answering.example.jp",
            "--password-stdin",
        ],
        input="a-long-enough-password\n",
    )
    assert result.exit_code == 0, result.output
    with system(app) as session:
        user = session.scalars(
            select(User).where(User.email == "new-sv@answering.example.jp")
        ).one()
        assert user.staff_role == "supervisor"
        assert user.password_hash.startswith("$argon2id$")


def test_create_staff_refuses_a_short_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "tenants",
            "create-staff",
            "--role",
            "operator",
            "op@answering.example.jp",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert result.exit_code != 0
    assert "password" in result.output
    with system(app) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_create_staff_changes_an_existing_staff_role(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(
        args=[
            "tenants",
            "create-staff",
            "--role",
            "operator",
            "op@answering.example.jp",
            "--password-stdin",
        ],
        input="a-long-enough-password\n",
    )
    result = runner.invoke(
        args=["tenants", "create-staff", "--role", "admin", "op@answering.example.jp"]
    )
    assert result.exit_code == 0, result.output
    with system(app) as session:
        assert session.scalars(select(User.staff_role)).one() == "admin"


def test_create_token_prints_a_working_token_once(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    result = app.test_cli_runner().invoke(
        args=["tenants", "create-token", alpha["email"], "--name", "受注連携"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("ans_")
    response = app.test_client().get(
        "/api/v1/shops/alpha", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_create_token_for_unknown_user_fails_clearly(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["tenants", "create-token", "nobody@example.jp", "--name", "x"]
    )
    assert result.exit_code != 0
    assert "No user with the e-mail address nobody@example.jp" in result.output
