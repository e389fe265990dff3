"""Cron schedules as a Kubernetes CronJob reads them: five fields (minute hour day-of-month month day-of-week)
with `*`, values, ranges, steps and lists, month and weekday names, or one of the @-macros.

`longest_gap` gives the longest time between two runs, which is what an alert on a missed backup needs.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
          "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NAMES: tuple[dict[str, int], ...] = ({}, {}, {}, {m: i + 1 for i, m in enumerate(_MONTHS)},
                                      {d: i for i, d in enumerate(_DAYS)})
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_FIELDS = ("minute", "hour", "day of month", "month", "day of week")


class CronError(ValueError):
    """A schedule a CronJob would not accept; the message says which field and why."""


def _value(text: str, field: int) -> int:
    lowered = text.lower()
    if lowered in _NAMES[field]:
        return _NAMES[field][lowered]
    if not text.isdigit():
        raise CronError(f"{_FIELDS[field]}: {text!r} is not a number")
    low, high = _RANGES[field]
    number = int(text)
    if not low <= number <= high:
        raise CronError(f"{_FIELDS[field]}: {number} is outside {low}-{high}")
    return number


def _part(part: str, field: int) -> set[int]:
    low, high = _RANGES[field]
    span, _, step_text = part.partition("/")
    step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
    if step_text and step is None:
        raise CronError(f"{_FIELDS[field]}: step {step_text!r} is not a positive number")
    if span == "*":
        start, end = low, high
    elif "-" in span:
        first, _, last = span.partition("-")
        start, end = _value(first, field), _value(last, field)
        if start > end:
            raise CronError(f"{_FIELDS[field]}: range {span!r} runs backwards")
    else:
        start = _value(span, field)
        end = high if step else start
    return set(range(start, end + 1, step or 1))


def parse_field(text: str, field: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"{_FIELDS[field]}: empty list item")
        values |= _part(part, field)
    if field == 4 and 7 in values:  # 7 is Sunday too
        values = (values - {7}) | {0}
    return values


def parse(schedule: str) -> tuple[set[int], set[int], set[int], set[int], set[int], bool, bool]:
    """minutes, hours, days of month, months, weekdays, and whether day of month / day of week are restricted."""
    text = MACROS.get(schedule.strip().lower(), schedule)
    fields = text.split()
    if len(fields) != 5:
        raise CronError(f"needs 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily; "
                        f"got {len(fields)}")
    parsed = [parse_field(value, i) for i, value in enumerate(fields)]
    return (parsed[0], parsed[1], parsed[2], parsed[3], parsed[4], fields[2] != "*", fields[4] != "*")


def _runs_on(day: date, dom: set[int], months: set[int], dow: set[int], dom_set: bool, dow_set: bool) -> bool:
    if day.month not in months:
        return False
    on_dom, on_dow = day.day in dom, (day.isoweekday() % 7) in dow
    if dom_set and dow_set:  # cron's rule: either restriction matches
        return on_dom or on_dow
    return on_dom and on_dow


def longest_gap(schedule: str) -> timedelta:
    """The longest time between two consecutive runs over eight years (leap days included)."""
    minutes, hours, dom, months, dow, dom_set, dow_set = parse(schedule)
    times = sorted(h * 60 + m for h in hours for m in minutes)
    inside = max((b - a for a, b in pairwise(times)), default=0)
    if not dom_set and not dow_set and len(months) == 12:  # every day: the gap over midnight is the other one
        return timedelta(minutes=max(inside, 1440 - times[-1] + times[0]))
    start, previous_last, longest = date(2024, 1, 1), None, inside
    for offset in range(366 * 8):
        day = start + timedelta(days=offset)
        if not _runs_on(day, dom, months, dow, dom_set, dow_set):
            continue
        first = offset * 1440 + times[0]
        if previous_last is not None:
            longest = max(longest, first - previous_last)
        previous_last = offset * 1440 + times[-1]
    if previous_last is None:
        raise CronError("never runs (no day matches its day-of-month, month and day-of-week)")
    return timedelta(minutes=longest or 1440)
