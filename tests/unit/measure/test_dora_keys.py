"""The four DORA keys on small ledgers written out by hand (tests/release/dora_scenarios.py),
one scenario per key, against figures computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.release import dora_scenarios as s

from clearance.measure import dora
from clearance.measure.dora import Window, percentile
from clearance.measure.render import keys_json, render_json, render_markdown
from clearance.release.records import LOST_RACE


def production(records: list) -> dora.Keys:  # type: ignore[type-arg]
    report = dora.dora(s.newest_first(records), s.WINDOW, ["production"])
    return report.environments[0].keys


def test_deployment_frequency_counts_success_statuses_in_the_window_once_each() -> None:
    keys = production(s.FREQUENCY)
    assert keys.deployments == s.FREQUENCY_EXPECTED["deployments"]
    assert keys.per_day == pytest.approx(s.FREQUENCY_EXPECTED["per_day"])
    assert keys_json(keys)["deployment_frequency"] == {
        "deployments": 4,
        "per_day": 0.5714,
        "per_week": 4.0,
    }


def test_lead_time_runs_from_the_pull_requests_first_commit_to_the_first_success() -> None:
    keys = production(s.LEAD_TIME)
    assert keys_json(keys)["lead_time"] == s.LEAD_TIME_EXPECTED
    by_sha = {c.change.sha: c for c in keys.changes}
    assert by_sha[s.SQUASH.sha].lead_time == dt.timedelta(hours=50), (
        "squash: from the PR's first commit"
    )
    assert by_sha[s.SQUASH.sha].deployment_id == s.ident(11), "a change keeps its first deployment"
    assert by_sha[s.PLAIN.sha].lead_time == dt.timedelta(hours=3), "failed deployments do not ship"
    assert by_sha[s.MERGE.sha].lead_time == dt.timedelta(hours=5)
    assert s.OLD.sha not in by_sha, "first shipped before the window"


def test_change_failure_rate_counts_a_failure_or_a_rollback_once() -> None:
    keys = production(s.FAILURE_RATE)
    assert keys_json(keys)["change_failure_rate"] == s.FAILURE_RATE_EXPECTED


def test_time_to_restore_runs_from_the_first_failure_to_the_next_success() -> None:
    keys = production(s.RESTORE)
    assert keys_json(keys)["time_to_restore"] == s.RESTORE_EXPECTED
    restored = [(i.failed, i.duration) for i in keys.incidents]
    assert restored == [
        (s.ident(31), dt.timedelta(hours=1, minutes=15)),  # a failure followed by a fix
        (s.ident(34), dt.timedelta(minutes=20)),  # a rollback
        (s.ident(36), None),  # still open
    ]
    assert keys.incidents[0].restored_by == s.ident(33)


def test_a_deployment_that_succeeded_then_was_rolled_back_failed_when_the_rollback_began() -> None:
    attempt = next(a for a in dora.attempts(s.FAILURE_RATE) if a.deployment.id == s.ident(22))
    assert attempt.succeeded_at == s.at(2, 9, 10), "it was a deployment"
    assert attempt.failed_at == s.at(2, 12), "and a failed one, from the rollback's start"
    assert attempt.replaced_by is not None and attempt.replaced_by.id == s.ident(23)


def test_weeks_are_iso_weeks_clipped_to_the_window() -> None:
    window = Window(s.at(2, 12), s.at(16))  # Wednesday noon to the Wednesday two weeks on
    weeks = window.weeks()
    assert [(w.since, w.until) for w in weeks] == [
        (s.at(2, 12), s.at(7)),
        (s.at(7), s.at(14)),
        (s.at(14), s.at(16)),
    ]


def test_every_environment_of_the_history_is_reported_by_name_when_none_is_asked_for() -> None:
    report = dora.dora(s.newest_first(s.FREQUENCY), s.WINDOW)
    assert [e.environment for e in report.environments] == ["production", "staging"]
    assert report.environments[1].keys.deployments == 1


def test_an_environment_without_deployments_has_no_figures_rather_than_zeros() -> None:
    keys = dora.dora([], s.WINDOW, ["production"]).environments[0].keys
    assert (keys.deployments, keys.lead_time_median, keys.change_failure_rate) == (0, None, None)
    assert keys.time_to_restore_median is None


@pytest.mark.parametrize(
    "hours, rank, expected",
    [([1], 50, 1), ([1, 2], 50, 1.5), ([3, 5, 50], 50, 5), ([3, 5, 50], 90, 41), ([], 50, None)],
)
def test_percentiles_interpolate_between_closest_ranks(
    hours: list[int], rank: int, expected: float | None
) -> None:
    value = percentile([dt.timedelta(hours=h) for h in hours], rank)
    assert value == (None if expected is None else dt.timedelta(hours=expected))


@pytest.mark.parametrize(
    "since, until, length, expected",
    [
        (None, None, None, (s.at(-30), s.at(0))),
        (None, None, dt.timedelta(days=7), (s.at(-7), s.at(0))),
        (s.at(-3), None, None, (s.at(-3), s.at(0))),
        (s.at(-3), None, dt.timedelta(days=1), (s.at(-3), s.at(-2))),
        (None, s.at(-1), dt.timedelta(days=2), (s.at(-3), s.at(-1))),
        (s.at(-5), s.at(-1), None, (s.at(-5), s.at(-1))),
    ],
)
def test_the_window_comes_from_two_of_since_until_and_length(
    since: dt.datetime | None,
    until: dt.datetime | None,
    length: dt.timedelta | None,
    expected: tuple[dt.datetime, dt.datetime],
) -> None:
    window = dora.resolve_window(since=since, until=until, length=length, now=s.at(0))
    assert (window.since, window.until) == expected


def test_a_window_given_three_ways_or_backwards_is_refused() -> None:
    with pytest.raises(ValueError, match="not all three"):
        dora.resolve_window(since=s.at(-2), until=s.at(0), length=dt.timedelta(days=2), now=s.at(0))
    with pytest.raises(ValueError, match="ends before"):
        dora.resolve_window(since=s.at(1), until=None, length=None, now=s.at(0))


def test_json_and_markdown_carry_the_same_figures() -> None:
    report = dora.dora(s.newest_first(s.RESTORE), s.WINDOW, ["production"])
    document = render_json(report)
    assert '"median_seconds": 2850' in document
    markdown = render_markdown(report)
    assert "| `production` | 4 (0.57/day) |" in markdown
    assert "| 57% (4/7) | 47m30s (2 restored), 1 open |" in markdown


def test_a_deployment_that_lost_a_race_never_ran_and_counts_nowhere() -> None:
    winner = s.deploy(40, s.at(0, 9), (s.SUCCESS, s.at(0, 9, 10)))
    loser = s.deploy(41, s.at(0, 9), task=s.Task.ROLLBACK, rollback_of=40)
    loser = loser.with_status(
        s.StatusEvent(
            s.ERROR, s.at(0, 9, 1), f"{LOST_RACE}{winner.id} was recorded at the same time"
        )
    )
    assert loser.lost_race and not winner.lost_race
    keys = production([winner, loser])
    assert (keys.deployments, keys.finished, keys.failed, keys.incidents) == (1, 1, 0, ())
