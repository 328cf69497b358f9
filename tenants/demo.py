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
from tenants.scripts import services as scripts
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
SCRIPTS = {
    "hanako-zakka": {
        "greeting": "お電話ありがとうございます。はなこ雑貨店でございます。",
        "after_hours_message": "お電話ありがとうございます。はなこ雑貨店です。本日の受付は終了しました。"
        "発信音のあとに、お名前とご用件をお話しください。",
        "menu": [
            {"key": 1, "label": "ご注文・配送について", "category": "order"},
            {"key": 2, "label": "返品・交換について", "category": "return"},
        ],
        "products": [
            {
                "name": "リネンのキッチンクロス",
                "reading": "リネンノキッチンクロス",
                "sku": "HZ-LC-01",
                "material": "麻100%",
                "sizes": ["45×65cm"],
                "colours": ["生成り", "グレー", "ネイビー"],
                "care": "洗濯機可（ネット使用）、漂白剤不可",
            },
            {
                "name": "豆皿 5枚セット",
                "reading": "マメザラゴマイセット",
                "sku": "HZ-MZ-05",
                "material": "磁器（波佐見焼）",
                "sizes": ["直径9cm"],
                "colours": ["藍", "白"],
                "care": "食洗機・電子レンジ可",
            },
        ],
        "faqs": [
            {
                "question": "送料はいくらですか？",
                "answer": "全国一律600円、5,000円以上のご注文で無料です。",
                "tags": ["送料", "配送"],
            },
            {
                "question": "キッチンクロスは縮みますか？",
                "answer": "初回の洗濯で3〜5%ほど縮みます。",
                "tags": ["洗濯"],
                "products": ["HZ-LC-01"],
            },
        ],
        "escalation": {"keywords": ["破損", "不良品", "返金"], "categories": ["return"]},
        "message_fields": [
            {"key": "order_number", "label": "注文番号", "type": "text", "required": False},
            {
                "key": "callback_time",
                "label": "折り返し希望時間",
                "type": "text",
                "required": False,
            },
        ],
        "notices": [
            {"title": "年末年始の配送について", "body": "12/28〜1/4 のご注文は1/5以降の発送です。"}
        ],
    },
    "kobe-coffee": {
        "greeting": "お電話ありがとうございます。神戸珈琲焙煎所でございます。",
        "products": [
            {
                "name": "神戸ブレンド 200g",
                "reading": "コウベブレンド",
                "sku": "KC-BL-200",
                "notes": "中深煎り。豆のまま・中挽き・細挽きから選べます。",
            },
        ],
        "faqs": [
            {
                "question": "賞味期限はどのくらいですか？",
                "answer": "焙煎日から90日です。開封後は2週間を目安にお召し上がりください。",
                "tags": ["賞味期限"],
            },
        ],
    },
}
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
        scripts.replace_draft(shop, SCRIPTS[slug])
        db.session.flush()
        scripts.publish(shop, owner)
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
