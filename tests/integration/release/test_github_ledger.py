"""The GitHub ledger against the GitHub API stand-in: request budgets, and what it does when
GitHub fails (5xx bursts, secondary rate limits, lost answers, a run stopped half-way)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
from tests.release.backends import Backend, github_backend, seed
from tests.release.desk import Desk
from tests.release.support import START, Clock, digest_of

from clearance.errors import ExitCode
from clearance.release.ledger.github import GitHubLedger
from clearance.release.ledger.interface import LedgerError
from clearance.release.records import Deployment, State, StatusEvent, Task

A, B = digest_of("A"), digest_of("B")
CREATE = "repos/create-deployment"
STATUS = "repos/create-deployment-status"


@pytest.fixture
def github(github_api: Any) -> Backend:
    return github_backend(github_api)


def desk_over(github: Backend, clock: Clock, **options: Any) -> Desk:
    ledger = github.open()
    assert isinstance(ledger, GitHubLedger)
    return Desk(ledger, clock, changes=ledger.change_source(), **options)


def requests(github: Backend) -> Counter[str]:
    return Counter(github.standin.counts)


def test_a_promotion_makes_at_most_6_requests(github: Backend, clock: Clock) -> None:
    environments = {
        "production": {
            "after": "staging",
            "min-soak": "30m",
            "require": ["scan"],
            "freeze": [{"start": "sat 00:00", "end": "sun 00:00"}],
        }
    }
    first, second = github.commit("first (#1)"), github.commit("second (#2)")
    setup = desk_over(github, clock, environments=environments)
    setup.deploy("staging", A, first)
    clock.advance(hours=1)
    setup.finish(setup.promote(A, "staging", "production").deployment)  # type: ignore[arg-type]
    setup.deploy("staging", B, second)
    clock.advance(hours=1)
    github.standin.counts.clear()

    promotion = desk_over(github, clock, environments=environments).promote(
        B, "staging", "production"
    )

    assert promotion.recorded
    counts = requests(github)
    assert sum(counts.values()) <= 6, counts
    assert counts == Counter(
        {"graphql:ClearanceHistory": 2, "repos/compare-commits": 1, CREATE: 1, STATUS: 1}
    ), counts
    assert [c.sha for c in promotion.deployment.changes] == [second]  # type: ignore[union-attr]
    assert promotion.deployment.changes[0].pull_request == 2  # type: ignore[union-attr]


def test_a_first_promotion_reads_the_history_of_the_commit_instead(
    github: Backend, clock: Clock
) -> None:
    sha = github.commit("only (#5)")
    desk = desk_over(github, clock)
    desk.deploy("staging", A, sha)
    github.standin.counts.clear()
    promotion = desk_over(github, clock).promote(A, "staging", "production")
    assert sum(requests(github).values()) <= 6, requests(github)
    changes = promotion.deployment.changes  # type: ignore[union-attr]
    assert changes is not None and changes[0].sha == sha and changes[0].pull_request == 5


def test_a_history_of_1000_deployments_is_read_in_at_most_15_requests(github: Backend) -> None:
    sha = github.commit("deployed")
    ledger = github.open()

    def deployment(n: int) -> Deployment:
        return Deployment(
            id=f"01JNQ3V6E0{n:016d}",
            environment="production" if n % 3 else "staging",
            digest=digest_of(str(n)),
            commit=sha,
            task=Task.DEPLOY,
            created_at=START + dt.timedelta(minutes=n),
            run_id=str(n),
            run_attempt=1,
            statuses=(
                StatusEvent(State.IN_PROGRESS, START, "deploying", "https://log"),
                StatusEvent(
                    State.SUCCESS, START + dt.timedelta(minutes=n), "deployed", "https://log"
                ),
            ),
        )

    written = [ledger.record(deployment(n), new=True) for n in range(3)]
    seeded = [deployment(n) for n in range(3, 1000)]
    seed(github.standin, seeded)
    github.standin.counts.clear()

    history = list(github.open().history())

    assert sum(requests(github).values()) <= 15, requests(github)
    assert requests(github) == Counter({"graphql:ClearanceHistory": 10})
    assert history == list(reversed(written + seeded))


def test_a_burst_of_server_errors_is_retried_with_backoff(github: Backend) -> None:
    github.standin.faults.server_errors(3, status=502, operation=CREATE)
    record = make(github)
    assert github.open().record(record, new=True) == record
    assert [d.id for d in github.open().history()] == [record.id]
    assert github.waits.seconds == [1.0, 2.0, 4.0]


def test_server_errors_that_outlast_the_retries_are_one_line_and_exit_3(github: Backend) -> None:
    github.standin.faults.server_errors(50, status=503)
    with pytest.raises(LedgerError) as caught:
        list(github.open().history())
    message = str(caught.value)
    assert caught.value.exit_code is ExitCode.EXTERNAL
    assert "could not read the deployment history after 6 attempt(s) (503" in message
    assert "\n" not in message and github.standin.token not in message


@pytest.mark.parametrize("status", [403, 429])
def test_a_secondary_rate_limit_is_waited_out_as_retry_after_says(
    github: Backend, status: int
) -> None:
    github.standin.faults.secondary_rate_limit(2, status=status, retry_after=7, operation=CREATE)
    record = make(github)
    github.open().record(record, new=True)
    assert github.waits.seconds == [7.0, 7.0]
    assert [d.id for d in github.open().history()] == [record.id]


def test_a_retry_after_beyond_the_budget_fails_at_once(github: Backend) -> None:
    github.standin.faults.secondary_rate_limit(1, retry_after=3600)
    with pytest.raises(
        LedgerError, match=r"secondary rate limit \(403, Retry-After 3600s\); waiting 3600s more"
    ):
        list(github.open().history())
    assert github.waits.seconds == []


def test_a_primary_rate_limit_waits_for_the_reset(github: Backend) -> None:
    github.standin.faults.primary_rate_limit(1, reset_in=20)
    assert list(github.open().history()) == []
    (waited,) = github.waits.seconds
    assert 15 <= waited <= 25


def test_a_deployment_whose_answer_was_lost_is_found_not_created_twice(github: Backend) -> None:
    github.standin.faults.drop_after_write(1, operation=CREATE)
    record = make(github)
    github.open().record(record, new=True)
    assert len(github.standin.state.deployments) == 1
    assert list(github.open().history()) == [record]


def test_a_status_whose_answer_was_lost_is_not_written_twice(github: Backend) -> None:
    record = make(github)
    ledger = github.open()
    ledger.record(record, new=True)
    github.standin.faults.drop_after_write(1, operation=STATUS)
    done = ledger.add_status(record, StatusEvent(State.SUCCESS, START, "deployed"))
    (stored,) = github.standin.state.deployments
    assert [s.state for s in stored.statuses] == ["in_progress", "success"]
    assert list(github.open().history()) == [done]


def test_a_run_stopped_between_creating_a_deployment_and_writing_its_status_is_completed_by_the_re_run(
    github: Backend, clock: Clock
) -> None:
    sha = github.commit("release")
    desk_over(github, clock).deploy("staging", A, sha)
    clock.advance(hours=1)
    github.standin.faults.server_errors(6, operation=STATUS)  # every attempt of the first run

    with pytest.raises(LedgerError):
        desk_over(github, clock, seed=1).promote(A, "staging", "production", run="31", attempt=1)
    (half,) = github.open().history(["production"])
    assert half.statuses == ()

    rerun = desk_over(github, clock, seed=2).promote(
        A, "staging", "production", run="31", attempt=1
    )

    assert rerun.reused and rerun.recorded
    (whole,) = github.open().history(["production"])
    assert whole.id == half.id and [s.state for s in whole.statuses] == [State.IN_PROGRESS]
    assert len([d for d in github.standin.state.deployments if d.environment == "production"]) == 1


def test_deployments_that_github_actions_created_are_not_part_of_the_ledger(
    github: Backend,
) -> None:
    import github as pygithub

    client = pygithub.Github(
        base_url=github.standin.api_url, auth=pygithub.Auth.Token(github.standin.token)
    )
    repo = client.get_repo("octo-org/octo-repo")
    repo.create_deployment(
        ref="main", environment="production", required_contexts=[], auto_merge=False
    )
    record = make(github, environment="production")
    github.open().record(record, new=True)
    assert list(github.open().history(["production"])) == [record]


def make(github: Backend, **changes: Any) -> Deployment:
    base = Deployment(
        id="01JNQ3V6E0Z8K4XQ2M6T9B1C5D",
        environment="staging",
        digest=A,
        commit=github.commit("c"),
        task=Task.DEPLOY,
        created_at=START,
        statuses=(StatusEvent(State.IN_PROGRESS, START, "deploying"),),
    )
    return replace(base, **changes)


def test_racing_promotions_exactly_one_wins(github: Backend, clock: Clock) -> None:
    import threading

    sha = github.commit("release")
    desk_over(github, clock).deploy("staging", A, sha)
    clock.advance(hours=1)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def racer(n: int) -> None:
        desk = desk_over(github, clock, seed=n)
        barrier.wait()
        result = desk.promote(A, "staging", "production", run=str(n))
        outcomes.append("won" if result.recorded else "lost" if result.lost_to else "refused")

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == 4 and outcomes.count("won") == 1, outcomes
    live = [d for d in github.open().history(["production"]) if d.state is State.IN_PROGRESS]
    assert len(live) == 1


def test_a_token_without_deployments_write_is_told_what_it_lacks(github: Backend) -> None:
    github.standin.token = github.standin.add_token(
        permissions={"deployments": "read", "contents": "read"}
    )
    with pytest.raises(LedgerError) as caught:
        github.open().record(make(github), new=True)
    assert caught.value.exit_code is ExitCode.EXTERNAL
    assert "the token needs 'deployments: write'" in str(caught.value)
    assert github.waits.seconds == [], "a refusal is not retried"


def test_a_bad_token_and_an_unknown_repository_are_one_line_each(github: Backend) -> None:
    from clearance.release.ledger.github import GitHubApi

    bad = GitHubLedger(
        GitHubApi(
            api_url=github.standin.api_url, token="ghs_" + "0" * 36, repository="octo-org/octo-repo"
        )
    )
    with pytest.raises(LedgerError, match=r"rejected the token \(401\): check GITHUB_TOKEN"):
        list(bad.history())
    missing = GitHubLedger(
        GitHubApi(
            api_url=github.standin.api_url, token=github.standin.token, repository="octo-org/nope"
        )
    )
    with pytest.raises(LedgerError, match="does not show octo-org/nope"):
        list(missing.history())
