"""Deployment ids (ULIDs) and human durations."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from clearance.durations import format_duration, parse_duration
from clearance.release.ids import is_ulid, new_ulid, ulid_time

T = dt.datetime(2025, 3, 3, 9, 0, 0, 123000, tzinfo=dt.UTC)


def test_a_ulid_is_26_crockford_characters_encoding_its_millisecond() -> None:
    ulid = new_ulid(T, random.Random(1).randbytes)
    assert len(ulid) == 26 and is_ulid(ulid)
    assert ulid_time(ulid) == T


def test_ulids_sort_by_time_and_differ_within_one_millisecond() -> None:
    earlier = new_ulid(T)
    later = new_ulid(T + dt.timedelta(milliseconds=1))
    assert earlier < later
    assert len({new_ulid(T) for _ in range(1000)}) == 1000


def test_the_ulid_of_the_spec_example_time_decodes() -> None:
    # The ULID reference implementation: ulid(1469918176385) starts 01ARYZ6S41.
    assert ulid_time("01ARYZ6S41TSV4RRFFQ69G5FAV") == dt.datetime.fromtimestamp(
        1469918176.385, tz=dt.UTC
    )


@pytest.mark.parametrize(
    "text",
    ["", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAU", "81ARZ3NDEKTSV4RRFFQ69G5FAV"],
)
def test_malformed_ulids_are_recognised(text: str) -> None:
    assert not is_ulid(text)


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("45s", 45),
        ("30m", 1800),
        ("1h30m", 5400),
        ("2d", 172800),
        ("1w", 604800),
        (" 1H 5M ", 3900),
    ],
)
def test_durations_parse(text: str, seconds: int) -> None:
    assert parse_duration(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "30", "m30", "1.5h", "-5m", "1y"])
def test_durations_without_a_unit_on_every_number_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_durations_format_exactly() -> None:
    assert format_duration(dt.timedelta(seconds=5400)) == "1h30m"
    assert format_duration(dt.timedelta(seconds=59)) == "59s"
    assert format_duration(dt.timedelta(0)) == "0s"
    assert format_duration(dt.timedelta(days=1, seconds=1)) == "1d1s"
