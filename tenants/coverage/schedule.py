"""Coverage arithmetic: weekly bands, holidays, closures and versions → the minutes we answer.

Pure functions over plain values (no database), in Asia/Tokyo, which has no daylight saving time.
A band is `(start, end)` in minutes after 00:00 of the day it starts, on a 30-minute grid, with
`0 <= start < 1440` and `start < end <= start + 1440`: a band may run past midnight into the next
day (22:00–02:00 is `(1320, 1560)`). A band belongs to the day it starts: that day's weekday,
holiday status and schedule version decide whether it applies. Closures remove whole calendar days.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday
from flask_babel import gettext, lazy_gettext

TOKYO = ZoneInfo("Asia/Tokyo")
GRID = 30
DAY = 1440
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY_MODES = ("as_weekday", "closed", "bands")

Band = tuple[int, int]
_TIME = re.compile(r"^\s*(\d{1,2}):?(\d{2})\s*$")


class BandError(ValueError):
    """A band or a week of bands that cannot be saved; the message is shown next to the field."""


def parse_time(text: str, *, allow_24: bool = False) -> int:
    found = _TIME.match(text.replace("：", ":"))
    if not found:
        raise BandError(gettext("“%(text)s” is not a time like 09:00.", text=text.strip()))
    hours, minutes = int(found.group(1)), int(found.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise BandError(gettext("“%(text)s” is not a time of day.", text=text.strip()))
    value = hours * 60 + minutes
    if value % GRID:
        raise BandError(
            gettext("“%(text)s” is not on the half hour (use :00 or :30).", text=text.strip())
        )
    return value


def parse_band(text: str) -> Band:
    """`09:00-18:00`, `22:00-02:00` (past midnight) or `00:00-24:00` (the whole day)."""
    parts = re.split(r"\s*[-–〜~]\s*", text.strip())
    if len(parts) != 2:
        raise BandError(gettext("“%(text)s” is not a band like 09:00-18:00.", text=text.strip()))
    start = parse_time(parts[0])
    end = parse_time(parts[1], allow_24=True)
    if end == start:
        raise BandError(gettext("“%(text)s” starts and ends at the same time.", text=text.strip()))
    if end <= start:
        end += DAY  # runs past midnight
    if end - start > DAY:
        raise BandError(gettext("“%(text)s” is longer than a day.", text=text.strip()))
    return (start, end)


def parse_day(text: str) -> tuple[Band, ...]:
    """Comma- or space-separated bands of one day, sorted; empty text means closed."""
    pieces = [p for p in re.split(r"[,、，\s]+(?=\d)", text.strip()) if p.strip()]
    return tuple(sorted(parse_band(p) for p in pieces))


def format_time(minutes: int) -> str:
    minutes %= 2 * DAY
    if minutes > DAY:
        minutes -= DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_band(band: Band) -> str:
    return f"{format_time(band[0])}-{format_time(band[1])}"


def format_day(bands: Iterable[Band]) -> str:
    return ", ".join(format_band(b) for b in bands)


WEEKDAY_NAMES = (
    lazy_gettext("Monday"),
    lazy_gettext("Tuesday"),
    lazy_gettext("Wednesday"),
    lazy_gettext("Thursday"),
    lazy_gettext("Friday"),
    lazy_gettext("Saturday"),
    lazy_gettext("Sunday"),
)


def weekday_name(weekday: int) -> str:
    return str(WEEKDAY_NAMES[weekday])


def check_day(bands: Sequence[Band]) -> None:
    """Bands of one day must be valid and must not overlap each other."""
    ordered = sorted(bands)
    for band in ordered:
        start, end = band
        if not (0 <= start < DAY and start < end <= start + DAY) or start % GRID or end % GRID:
            raise BandError(gettext("%(band)s is not a valid band.", band=format_band(band)))
    for earlier, later in itertools.pairwise(ordered):
        if later[0] < earlier[1]:
            raise BandError(
                gettext(
                    "%(first)s and %(second)s overlap.",
                    first=format_band(earlier),
                    second=format_band(later),
                )
            )


def check_week(week: Mapping[int, Sequence[Band]]) -> None:
    """Each day valid, and no band running past midnight into the next day's first band."""
    for weekday in range(7):
        check_day(week.get(weekday, ()))
    for weekday in range(7):
        following = (weekday + 1) % 7
        for late in week.get(weekday, ()):
            spill_end = late[1] - DAY  # minutes the band runs into the following day
            for band in week.get(following, ()):
                if band[0] < spill_end:
                    raise BandError(
                        gettext(
                            "%(day)s %(band)s runs into %(next_day)s %(next_band)s.",
                            day=weekday_name(weekday),
                            band=format_band(late),
                            next_day=weekday_name(following),
                            next_band=format_band(band),
                        )
                    )


@dataclass(frozen=True)
class WeeklySchedule:
    """One version of a shop's hours: bands per weekday (0 = Monday) and what holidays do."""

    week: Mapping[int, tuple[Band, ...]]
    holiday_mode: str = "as_weekday"
    holiday_bands: tuple[Band, ...] = ()

    def __post_init__(self) -> None:
        if self.holiday_mode not in HOLIDAY_MODES:
            raise BandError(gettext("Choose what happens on public holidays."))
        check_week(self.week)
        check_day(self.holiday_bands)

    def weekly_minutes(self) -> int:
        return sum(e - s for bands in self.week.values() for s, e in bands)


@dataclass(frozen=True)
class Closure:
    """Closed from `starts_on` to `ends_on` inclusive; `every_year` repeats the month-days yearly."""

    starts_on: date
    ends_on: date
    every_year: bool = False

    def covers(self, day: date) -> bool:
        if not self.every_year:
            return self.starts_on <= day <= self.ends_on
        start = (self.starts_on.month, self.starts_on.day)
        end = (self.ends_on.month, self.ends_on.day)
        here = (day.month, day.day)
        if start <= end:
            return start <= here <= end
        return here >= start or here <= end  # e.g. Dec 29 – Jan 3


def is_public_holiday(day: date) -> bool:
    """Japan's public holidays, including substitute (振替休日) and citizens' holidays."""
    return bool(jpholiday.is_holiday(day))


def holiday_name(day: date) -> str | None:
    name = jpholiday.is_holiday_name(day)
    return str(name) if name else None


def is_year_end(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


@dataclass(frozen=True)
class Coverage:
    """Everything that decides when we answer a shop: versions by effective date, and closures."""

    versions: Sequence[tuple[date, WeeklySchedule]]
    closures: Sequence[Closure] = ()
    emergency_closed: bool = False
    _dates: list[date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_dates", [d for d, _ in self.versions])

    def schedule_on(self, day: date) -> WeeklySchedule | None:
        """The version in force on `day` (versions are sorted by effective date)."""
        index = bisect.bisect_right(self._dates, day) - 1
        return self.versions[index][1] if index >= 0 else None

    def closed_on(self, day: date) -> bool:
        return any(c.covers(day) for c in self.closures)

    def bands_starting_on(self, day: date) -> tuple[Band, ...]:
        schedule = self.schedule_on(day)
        if schedule is None:
            return ()
        if is_public_holiday(day) and schedule.holiday_mode != "as_weekday":
            return schedule.holiday_bands if schedule.holiday_mode == "bands" else ()
        return schedule.week.get(day.weekday(), ())

    def minutes_on(self, day: date) -> list[Band]:
        """Covered minutes of the calendar day `day`, as sorted `(start, end)` within 0–1440."""
        if self.closed_on(day):
            return []
        pieces = [(s, min(e, DAY)) for s, e in self.bands_starting_on(day)]
        yesterday = day - timedelta(days=1)
        pieces += [(0, e - DAY) for s, e in self.bands_starting_on(yesterday) if e > DAY]
        return _merge(pieces)

    def covers(self, at: datetime) -> bool:
        """Whether we answer at this moment (an emergency closure answers no)."""
        if self.emergency_closed:
            return False
        local = at.astimezone(TOKYO)
        minute = local.hour * 60 + local.minute
        return any(s <= minute < e for s, e in self.minutes_on(local.date()))

    def intervals(self, first: date, last: date) -> list[tuple[datetime, datetime]]:
        """Covered periods from `first` to `last` inclusive, as aware datetimes in Asia/Tokyo."""
        found: list[tuple[datetime, datetime]] = []
        day = first
        while day <= last:
            midnight = datetime.combine(day, time(), TOKYO)
            for s, e in self.minutes_on(day):
                start, end = midnight + timedelta(minutes=s), midnight + timedelta(minutes=e)
                if found and found[-1][1] == start:
                    found[-1] = (found[-1][0], end)
                else:
                    found.append((start, end))
            day += timedelta(days=1)
        return found


def _merge(pieces: Iterable[Band]) -> list[Band]:
    merged: list[Band] = []
    for s, e in sorted(p for p in pieces if p[1] > p[0]):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


# --- price bands (DESIGN.md section 7): which kind of hour each covered minute is ----------------

DAYTIME = (9 * 60, 18 * 60)
PRICE_BANDS = ("weekday_day", "weekday_night", "weekend_holiday")


def is_weekend_or_holiday(day: date) -> bool:
    """Saturday, Sunday, a public holiday (substitutes included) or Dec 29 – Jan 3."""
    return day.weekday() >= 5 or is_public_holiday(day) or is_year_end(day)


def minutes_by_price_band(coverage: Coverage, day: date) -> dict[str, int]:
    """Covered minutes of one calendar day, split into the three price bands."""
    totals = dict.fromkeys(PRICE_BANDS, 0)
    for s, e in coverage.minutes_on(day):
        if is_weekend_or_holiday(day):
            totals["weekend_holiday"] += e - s
            continue
        day_part = max(0, min(e, DAYTIME[1]) - max(s, DAYTIME[0]))
        totals["weekday_day"] += day_part
        totals["weekday_night"] += (e - s) - day_part
    return totals


TEMPLATES: dict[str, dict[int, tuple[Band, ...]]] = {
    "weekdays_9_18": {d: ((540, 1080),) for d in range(5)},
    "weekdays_9_21": {d: ((540, 1260),) for d in range(5)},
    "daily_9_21": {d: ((540, 1260),) for d in range(7)},
    "always": {d: ((0, DAY),) for d in range(7)},
}
