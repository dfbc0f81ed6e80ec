"""Period arithmetic for grading runs: quarters and reference periods."""

from datetime import date, datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta


def quarter_of(day):
    """Return ``(year, quarter)`` of a date."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_label(day):
    """'2026 Q4' for any day of the fourth quarter of 2026."""
    year, quarter = quarter_of(day)
    return f"{year} Q{quarter}"


def quarter_bounds(year, quarter):
    """First and last day of a quarter."""
    start = date(year, 3 * (quarter - 1) + 1, 1)
    return start, start + relativedelta(months=3) - timedelta(days=1)


def last_ended_quarter(today):
    """First and last day of the quarter that ended before ``today``'s quarter."""
    year, quarter = quarter_of(today)
    if quarter == 1:
        return quarter_bounds(year - 1, 4)
    return quarter_bounds(year, quarter - 1)


def ended_quarters(today, count):
    """``(first day, last day)`` of the ``count`` quarters that ended before
    ``today``'s quarter, the latest first."""
    quarters = [last_ended_quarter(today)]
    while len(quarters) < count:
        quarters.append(last_ended_quarter(quarters[-1][0]))
    return quarters


def reference_period(date_to, months=12):
    """The ``months`` months ending on ``date_to`` (both days included)."""
    return date_to + timedelta(days=1) - relativedelta(months=months), date_to


def previous_period(date_from, date_to):
    """The period of the same length just before ``date_from``–``date_to``."""
    months = relativedelta(date_to + timedelta(days=1), date_from)
    length = relativedelta(months=months.years * 12 + months.months, days=months.days)
    return date_from - length, date_from - timedelta(days=1)


def day_start_utc(day, tz_name):
    """The naive UTC datetime at which ``day`` starts in the time zone
    ``tz_name`` (UTC when empty or unknown): the first moment of the day, also
    when the change to or from summer time skips or repeats its midnight."""
    start = datetime.combine(day, time.min)
    try:
        zone = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        return start
    try:
        local = zone.localize(start, is_dst=None)
    except pytz.AmbiguousTimeError:  # the first of the two midnights
        local = zone.localize(start, is_dst=True)
    except pytz.NonExistentTimeError:  # the first hour after the skipped one
        local = zone.localize(start, is_dst=False)
    return local.astimezone(pytz.utc).replace(tzinfo=None)


def next_working_slot(moment, tz_name, hour=9):
    """The naive UTC datetime of ``hour`` o'clock, in the time zone
    ``tz_name`` (UTC when empty or unknown), on the first working day (Monday
    to Friday) after the day of the naive UTC datetime ``moment`` there."""
    day = local_day(moment, tz_name) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    slot = datetime.combine(day, time(hour))
    try:
        zone = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        return slot
    return zone.localize(slot, is_dst=False).astimezone(pytz.utc).replace(tzinfo=None)


def local_day(moment, tz_name):
    """The day, in the time zone ``tz_name`` (UTC when empty or unknown), of
    the naive UTC datetime ``moment``."""
    try:
        zone = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        return moment.date()
    return pytz.utc.localize(moment).astimezone(zone).date()


def days_since(day, dates):
    """Days from the latest of ``dates`` (``None`` ignored) to ``day``;
    ``None`` when there is no date at all."""
    known = [known_day for known_day in dates if known_day]
    return (day - max(known)).days if known else None


def visit_period(day, period="month"):
    """First and last day of the calendar month or quarter containing ``day``."""
    if period == "quarter":
        return quarter_bounds(*quarter_of(day))
    return month_bounds(day)


def month_bounds(day):
    """First and last day of ``day``'s month."""
    start = day.replace(day=1)
    return start, start + relativedelta(months=1) - timedelta(days=1)


def visit_due_date(period_start, period_end, done, required):
    """The day by which the next visit is due, visits spread evenly over the
    period: with four a month, the first is due on the 8th, the second on the
    15th… ``None`` when the period's visits are all done."""
    if done >= required:
        return None
    days = (period_end - period_start).days + 1
    return period_start + timedelta(days=-(-(done + 1) * days // required) - 1)


def previous_month(day):
    """First and last day of the month before ``day``'s month."""
    return month_bounds(day.replace(day=1) - timedelta(days=1))


def month_label(day):
    """'2026-11' for any day of November 2026."""
    return f"{day.year}-{day.month:02d}"


def anniversaries(day, start, end):
    """The dates from ``start`` to ``end`` (both included) that fall on the
    month and day of ``day`` (a birthday): a 29 February is kept on 28
    February in other years."""
    found = []
    for year in range(start.year, end.year + 1):
        try:
            anniversary = day.replace(year=year)
        except ValueError:  # 29 February in a common year
            anniversary = date(year, 2, 28)
        if start <= anniversary <= end:
            found.append(anniversary)
    return found
