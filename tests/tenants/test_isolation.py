"""Canaries: a row written by one test is gone in the next (savepoint rollback per test)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from tenants.models import Shop
from tests.conftest import system
from tests.factories import make_shop

pytestmark = pytest.mark.xdist_group("canary")


def count_canaries(app: Flask) -> int:
    with system(app) as session:
        return int(
            session.scalar(select(func.count()).select_from(Shop).where(Shop.slug == "canary-shop"))
            or 0
        )


def test_canary_a_writes_a_shop(app: Flask) -> None:
    make_shop(app, "canary-shop")
    assert count_canaries(app) == 1


def test_canary_b_finds_it_gone(app: Flask) -> None:
    assert count_canaries(app) == 0
    make_shop(app, "canary-shop")  # and the slug is free again
    assert count_canaries(app) == 1
