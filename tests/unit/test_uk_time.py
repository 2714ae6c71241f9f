"""Dates and times people read are the UK's (GMT or BST); stored times are UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from freezegun import freeze_time

from app.admin.presenters import iso_time, local_time
from app.models.base import local_date, today

LATE_JUNE_UTC = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 BST on 1 July


def test_a_summer_night_moment_is_the_next_day_in_the_uk():
    assert local_date(LATE_JUNE_UTC) == date(2026, 7, 1)
    assert local_time(LATE_JUNE_UTC) == "1 July 2026 00:30 BST"
    assert iso_time(LATE_JUNE_UTC) == "2026-06-30T23:30:00Z"  # machine-readable stays UTC


def test_in_winter_uk_time_is_gmt():
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert local_date(moment) == date(2026, 12, 31)
    assert local_time(moment) == "31 December 2026 23:30 GMT"


def test_today_is_the_uk_date():
    with freeze_time(LATE_JUNE_UTC):
        assert today() == date(2026, 7, 1)
    with freeze_time(datetime(2026, 7, 1, 22, 59, tzinfo=UTC)):
        assert today() == date(2026, 7, 1)
    with freeze_time(datetime(2026, 7, 1, 23, 0, tzinfo=UTC)):
        assert today() == date(2026, 7, 2)
