"""The demo a new user meets after `make run`: two shops with an owner each, a supervisor, eight
operators and a platform admin."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from tenants import services
from tenants.coverage import services as coverage
from tenants.db import db, utcnow
from tenants.models import Shop, ShopRole, StaffRole, User
from tenants.numbers import services as numbers
from tenants.signals import demo_seeded

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed for the demo on purpose

SHOPS = [
    (
        "hanako-zakka",
        "はなこ雑貨店",
        "ハナコザッカテン",
        "owner@hanako-zakka.example.jp",
        "山田 花子",
    ),
    (
        "kobe-coffee",
        "神戸珈琲焙煎所",
        "コウベコーヒーバイセンジョ",
        "owner@kobe-coffee.example.jp",
        "佐藤 健",
    ),
]
# はなこ雑貨店: weekdays 9–18, closed on public holidays; 神戸珈琲焙煎所: every day 9–21.
HOURS = [
    coverage.WeekInput({d: "09:00-18:00" for d in range(5)}, "closed", "", None),
    coverage.WeekInput({d: "09:00-21:00" for d in range(7)}, "as_weekday", "", None),
]
POOL = [
    ("03-4500-0001", "phone"),
    ("078-600-0001", "phone"),
    ("03-4500-0002", "phone"),
    ("03-4500-0003", "phone"),
    ("050-5550-0001", "phone"),
    ("050-5550-0002", "phone"),
    ("0120-440-001", "phone"),
    ("0120-440-002", "phone"),
    ("03-4500-0900", "fax"),
    ("050-5550-0900", "fax"),
]
SUPERVISOR = ("supervisor@answering.example.jp", "鈴木 真理")
ADMIN = ("admin@answering.example.jp", "管理者")
OPERATORS = [
    ("高橋 美咲", "operator1"),
    ("田中 翔", "operator2"),
    ("伊藤 さくら", "operator3"),
    ("渡辺 大輔", "operator4"),
    ("中村 葵", "operator5"),
    ("小林 陽菜", "operator6"),
    ("加藤 蓮", "operator7"),
    ("吉田 結衣", "operator8"),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str


def seed_demo() -> tuple[bool, list[DemoLogin]]:
    """Add the demo once; return whether it was added now and the logins to print."""
    logins = [DemoLogin(f"owner of {slug}", email) for slug, _, _, email, _ in SHOPS]
    logins += [DemoLogin("supervisor", SUPERVISOR[0]), DemoLogin("admin", ADMIN[0])]
    logins += [DemoLogin("operator", f"{local}@answering.example.jp") for _, local in OPERATORS]
    if db.session.scalar(select(Shop.id).where(Shop.slug == SHOPS[0][0])) is not None:
        return False, logins
    shops: list[Shop] = []
    for (slug, name, kana, email, owner_name), hours in zip(SHOPS, HOURS, strict=True):
        shop = services.create_shop(slug=slug, name=name, name_kana=kana)
        owner = services.create_user(email=email, display_name=owner_name, password=DEMO_PASSWORD)
        owner.email_verified_at = utcnow()
        services.add_member(shop, owner, ShopRole.OWNER)
        db.session.flush()  # the version names its author, who must exist first
        coverage.save_version(shop, owner, hours)
        shops.append(shop)
    pool = [numbers.add_to_pool(text, kind=kind, note="demo") for text, kind in POOL]
    db.session.flush()  # rent() claims the rows with an UPDATE
    for shop, number in zip(shops, pool, strict=False):
        numbers.rent(shop, number.id, actor=None, ip=None)
    staff: dict[str, list[User]] = {
        "supervisor": [_staff(SUPERVISOR, StaffRole.SUPERVISOR)],
        "admin": [_staff(ADMIN, StaffRole.ADMIN)],
        "operator": [
            _staff((f"{local}@answering.example.jp", name), StaffRole.OPERATOR)
            for name, local in OPERATORS
        ],
    }
    db.session.flush()  # listeners refer to these rows by id
    demo_seeded.send(current_app._get_current_object(), staff=staff, shops=shops)  # type: ignore[attr-defined]
    return True, logins


def _staff(who: tuple[str, str], role: StaffRole) -> User:
    email, name = who
    return services.create_user(
        email=email, display_name=name, password=DEMO_PASSWORD, staff_role=role
    )
