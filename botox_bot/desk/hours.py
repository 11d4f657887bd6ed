"""Is the desk open now, and when does it open next: the clinic file's business hours, in the clinic's time zone,
closed on its country's public holidays (the ``holidays`` package) and on the days it lists.

A clinic with no hours in its file is always open: a request for a person is passed on at once, as before.
Emergency and crisis answers never look here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from botox_bot.core.clinic import DAYS, BusinessHours

_LOOK_AHEAD_DAYS = 21  # Christmas week plus a long holiday still finds the next opening
_DAY_NAMES = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}


class OpeningHours:
    def __init__(self, hours: BusinessHours | None):
        self.hours = hours

    @cached_property
    def zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.hours.time_zone) if self.hours else None

    @cached_property
    def _public_holidays(self) -> Any:
        if self.hours is None or self.hours.holidays is None:
            return {}
        import holidays

        return holidays.country_holidays(self.hours.holidays.upper(), subdiv=self.hours.subdivision)

    def closed_all_day(self, day: date) -> bool:
        assert self.hours is not None
        return day in self.hours.closed or day in self._public_holidays or not self.hours.ranges(DAYS[day.weekday()])

    def is_open(self, when: datetime) -> bool:
        """Open at ``when`` (any time zone; naive means UTC)."""
        if self.hours is None:
            return True
        local = _aware(when).astimezone(self.zone)
        if self.closed_all_day(local.date()):
            return False
        now = local.time()
        return any(start <= now < end for start, end in self.hours.ranges(DAYS[local.weekday()]))

    def next_opening(self, when: datetime) -> datetime | None:
        """The next time the desk opens after ``when``, in the clinic's time zone; None when never in three weeks."""
        if self.hours is None:
            return _aware(when)
        local = _aware(when).astimezone(self.zone)
        for offset in range(_LOOK_AHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            if self.closed_all_day(day):
                continue
            for start, _ in self.hours.ranges(DAYS[day.weekday()]):
                opening = datetime.combine(day, start, tzinfo=self.zone)
                if opening > local:
                    return opening
        return None

    def describe(self, opening: datetime | None, now: datetime, language: str = "en") -> str:
        """'tomorrow at 9:00 AM', 'Monday at 9:00 AM', 'el lunes a las 9:00': when the desk opens, for a patient."""
        if opening is None:
            return "soon" if language != "es" else "pronto"
        local_now = _aware(now).astimezone(opening.tzinfo)
        days = (opening.date() - local_now.date()).days
        if language == "es":
            clock = f"{opening.hour}:{opening.minute:02d}"
            if days == 0:
                return f"hoy a las {clock}"
            if days == 1:
                return f"mañana a las {clock}"
            return f"el {_DAY_NAMES['es'][opening.weekday()]} {opening.day} a las {clock}"
        clock = opening.strftime("%I:%M %p").lstrip("0")
        if days == 0:
            return f"today at {clock}"
        if days == 1:
            return f"tomorrow at {clock}"
        return f"{_DAY_NAMES['en'][opening.weekday()]} {opening.strftime('%B')} {opening.day} at {clock}"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
