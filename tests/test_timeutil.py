from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from failearn.timeutil import (
    TimeParseError,
    format_duration,
    is_unset_time,
    iso,
    iso_week_label,
    parse_as_of,
    parse_duration,
    parse_time,
    week_start,
)

T = datetime(2026, 11, 2, 14, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-02T14:03:00Z", T),
        ("2026-11-02t14:03:00z", T),  # RFC 3339 allows lower case
        ("2026-11-02T16:03:00+02:00", T),
        ("2026-11-02T14:03:00.000+0000", T),
        ("2026-11-02T09:03:00-0500", T),
        (1793628180, T),
        (1793628180000, T),
        ("1793628180000", T),
        ("1793628180000000000", T),
        (1793628180.0, T),
        ("Mon, 02 Nov 2026 14:03:00 +0000", T),
        ("2026-11-02 07:03 PDT", T),
        ("2026-11-02 14:03 UTC", T),
        ("2026-11-02 16:03 UTC+2", T),
    ],
)
def test_parse_time_reads_the_forms_real_exports_use(value: object, expected: datetime) -> None:
    parsed = parse_time(value)
    assert parsed.value == expected
    assert not parsed.naive


def test_a_time_without_zone_is_utc_and_flagged() -> None:
    parsed = parse_time("2026-11-02 14:03")
    assert parsed.value == T
    assert parsed.naive


@pytest.mark.parametrize("value", ["yesterday", "", None, True, "2026-13-45", [1], "12:00 XYZ"])
def test_unreadable_times_raise(value: object) -> None:
    with pytest.raises(TimeParseError):
        parse_time(value)


def test_nanosecond_strings_keep_microseconds() -> None:
    assert parse_time("1793628180123456789").value == T.replace(microsecond=123456)


def test_grafana_zero_time_means_unset() -> None:
    assert is_unset_time("0001-01-01T00:00:00Z")
    assert is_unset_time(None)
    assert not is_unset_time("2026-11-02T14:03:00Z")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5m", timedelta(minutes=5)),
        ("30m", timedelta(minutes=30)),
        ("7d", timedelta(days=7)),
        ("90d", timedelta(days=90)),
        ("2h", timedelta(hours=2)),
        ("1w", timedelta(weeks=1)),
        ("500ms", timedelta(milliseconds=500)),
        (300, timedelta(minutes=5)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["5", "five minutes", "5 years", "", "-5m", "1000000000d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a duration|100 years"):
        parse_duration(text)


def test_format_duration_round_trips() -> None:
    for text in ("5m", "30m", "7d", "28d", "90d", "2h", "45s"):
        assert format_duration(parse_duration(text)) == text


def test_as_of_date_is_start_of_day_and_bad_values_say_how() -> None:
    assert parse_as_of("2026-11-23") == datetime(2026, 11, 23, tzinfo=UTC)
    with pytest.raises(ValueError, match="--as-of"):
        parse_as_of("next week")


def test_iso_is_fixed_width_utc() -> None:
    assert iso(T.replace(microsecond=5)) == "2026-11-02T14:03:00Z"


def test_iso_weeks_start_monday() -> None:
    sunday = datetime(2026, 11, 22, 23, 59, tzinfo=UTC)
    assert week_start(sunday) == datetime(2026, 11, 16, tzinfo=UTC)
    assert iso_week_label(sunday) == "2026-W47"


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:30:00+01:00",
        "9999-12-31 23:59 PST",
        "Fri, 31 Dec 9999 23:59:59 -0500",
        "9999-12-31 23:59 UTC-5",
        "2026-11-02 10:00 UTC+99",
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
        10**30,
        10**400,
        "1" * 5000,
        float("inf"),
        float("nan"),
    ],
)
def test_times_beyond_the_years_a_date_can_hold_are_unreadable_not_a_crash(value: object) -> None:
    with pytest.raises(TimeParseError):
        parse_time(value)


def test_a_zero_duration_is_written_0s() -> None:
    assert format_duration(parse_duration("0s")) == "0s"
    assert format_duration(timedelta(0)) == "0s"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23", datetime(2026, 11, 23, tzinfo=UTC)),
        ("20261123", datetime(2026, 11, 23, tzinfo=UTC)),
        ("2026-11-23T09:00:00Z", datetime(2026, 11, 23, 9, tzinfo=UTC)),
        ("2026-11-23T11:00:00+02:00", datetime(2026, 11, 23, 9, tzinfo=UTC)),
        ("2026-11-23 09:00", datetime(2026, 11, 23, 9, tzinfo=UTC)),
    ],
)
def test_as_of_reads_dates_and_date_times(text: str, expected: datetime) -> None:
    assert parse_as_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1793628180",
        "yesterday",
        "2026-13-45",
        "0001-01-01",
        "9999-12-31",
        "9999-12-31T23:59:59-05:00",
        "Nov 23 2026",
    ],
)
def test_as_of_refuses_what_is_not_a_plain_date(text: str) -> None:
    with pytest.raises(ValueError, match="--as-of"):
        parse_as_of(text)


@pytest.mark.parametrize("number", [1e18, float("inf"), float("nan"), -1, -0.5])
def test_bad_durations_given_as_numbers(number: float) -> None:
    with pytest.raises(ValueError, match=r"duration|100 years"):
        parse_duration(number)
