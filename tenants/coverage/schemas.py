"""marshmallow schemas of the coverage API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from tenants.coverage.schedule import HOLIDAY_MODES, WEEKDAYS, format_day


def _week_out(week: dict[str, Any]) -> dict[str, list[str]]:
    return {
        WEEKDAYS[d]: format_day(tuple((s, e) for s, e in week.get(str(d), []))).split(", ")
        if week.get(str(d))
        else []
        for d in range(7)
    }


class VersionSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    effective_from = ma.fields.Date()
    week = ma.fields.Method(
        "dump_week",
        metadata={"description": "Bands per weekday (mon…sun), like 09:00-18:00 or 22:00-02:00"},
    )
    holiday_mode = ma.fields.String()
    holiday_bands = ma.fields.Method("dump_holiday")
    created_at = ma.fields.AwareDateTime()

    def dump_week(self, row: Any) -> dict[str, list[str]]:
        return _week_out(row.week)

    def dump_holiday(self, row: Any) -> list[str]:
        text = format_day(tuple((s, e) for s, e in row.holiday_bands))
        return text.split(", ") if text else []


class VersionInSchema(ma.Schema):
    effective_from = ma.fields.Date(load_default=None)
    week = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(WEEKDAYS)),
        values=ma.fields.List(
            ma.fields.String(validate=ma.validate.Length(max=20)),
            validate=ma.validate.Length(max=12),
        ),
        required=True,
    )
    holiday_mode = ma.fields.String(
        load_default="as_weekday", validate=ma.validate.OneOf(HOLIDAY_MODES)
    )
    holiday_bands = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=20)),
        load_default=list,
        validate=ma.validate.Length(max=12),
    )


class ClosureSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    every_year = ma.fields.Boolean(load_default=False)
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=120))


class EmergencySchema(ma.Schema):
    message = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    started_at = ma.fields.AwareDateTime(dump_only=True)


class CoverageSchema(ma.Schema):
    covered_now = ma.fields.Boolean()
    current = ma.fields.Nested(VersionSchema, allow_none=True)
    versions = ma.fields.List(ma.fields.Nested(VersionSchema))
    closures = ma.fields.List(ma.fields.Nested(ClosureSchema))
    emergency = ma.fields.Nested(EmergencySchema, allow_none=True)


def _sane_year(at: Any) -> None:
    if not 1900 <= at.year <= 2200:
        raise ma.ValidationError("Choose a moment between 1900 and 2200.")


class CheckArgs(ma.Schema):
    at = ma.fields.AwareDateTime(
        required=True,
        metadata={"description": "ISO 8601 with offset"},
        validate=_sane_year,
    )


class CheckSchema(ma.Schema):
    at = ma.fields.AwareDateTime()
    covered = ma.fields.Boolean()
