"""marshmallow schemas of the platform API."""

from __future__ import annotations

import marshmallow as ma


class UserSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    email = ma.fields.Email()
    display_name = ma.fields.String()
    staff_role = ma.fields.String(allow_none=True)


class ShopSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    slug = ma.fields.String()
    name = ma.fields.String()
    name_kana = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class MemberSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    role = ma.fields.String()
    user = ma.fields.Nested(UserSchema)
    created_at = ma.fields.AwareDateTime()


class TokenSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "The first characters, to recognise it"})
    shop_id = ma.fields.UUID(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    last_used_at = ma.fields.AwareDateTime(allow_none=True)
    revoked_at = ma.fields.AwareDateTime(allow_none=True)


class MeSchema(ma.Schema):
    user = ma.fields.Nested(UserSchema)
    token = ma.fields.Nested(TokenSchema)
    shop = ma.fields.Nested(ShopSchema, allow_none=True)
