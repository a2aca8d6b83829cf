"""The ledger's semantics, the same for both backends (SQLite, and GitHub through its stand-in).

Every test here runs once per backend; none knows which one it has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from tests.release.backends import Backend
from tests.release.desk import PASSING_SCAN
from tests.release.support import START, digest_of

from clearance.release.ledger.interface import LedgerConflict, UnknownDeployment
from clearance.release.records import Change, Deployment, Evidence, State, StatusEvent, Task

T1 = START + dt.timedelta(minutes=1)
T2 = START + dt.timedelta(minutes=2)


def make(backend: Backend, n: int, environment: str = "staging", **changes: object) -> Deployment:
    base = Deployment(
        id=f"01JNQ3V6E0{n:016d}",
        environment=environment,
        digest=digest_of(str(n)),
        commit=backend.commit(f"commit {n}"),
        task=Task.DEPLOY,
        created_at=START,
        ref="refs/heads/main",
        repository="octo-org/octo-repo",
        version=f"v{n}",
        actor="octocat",
        run_id=str(n),
        run_attempt=1,
        run_url=f"https://github.example/octo-org/octo-repo/actions/runs/{n}/attempts/1",
        changes=(Change("f" * 40, START, START, 7),),
        evidence=Evidence(scan=PASSING_SCAN, references=("bundle.sigstore.json",)),
        statuses=(StatusEvent(State.IN_PROGRESS, START, "deploying", "https://log/1", None),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_an_empty_ledger_has_no_history(backend: Backend) -> None:
    ledger = backend.open()
    assert list(ledger.history()) == []
    assert list(ledger.history(["production"])) == []
    assert ledger.get("01JNQ3V6E00000000000000000") is None


def test_a_recorded_deployment_reads_back_identically_from_a_new_handle(backend: Backend) -> None:
    wanted = make(backend, 1)
    assert backend.open().record(wanted, new=True) == wanted
    assert list(backend.open().history()) == [wanted]
    assert backend.open().get(wanted.id) == wanted


def test_history_is_newest_first_in_the_ledgers_own_order_and_filters_environments(
    backend: Backend,
) -> None:
    ledger = backend.open()
    # created_at goes backwards on purpose: the ledger's order is creation order, not a client's clock
    recorded = [
        ledger.record(make(backend, n, env, created_at=START - dt.timedelta(minutes=n)), new=True)
        for n, env in enumerate(["staging", "production", "staging", "production/eu-west-1"], 1)
    ]
    reader = backend.open()
    assert [d.id for d in reader.history()] == [d.id for d in reversed(recorded)]
    assert [d.id for d in reader.history(["staging"])] == [recorded[2].id, recorded[0].id]
    assert [d.id for d in reader.history(["production", "production/eu-west-1"])] == [
        recorded[3].id,
        recorded[1].id,
    ]
    assert list(reader.history([])) == []


def test_statuses_keep_their_order_and_times_and_urls(backend: Backend) -> None:
    ledger = backend.open()
    d = ledger.record(make(backend, 1), new=True)
    d = ledger.add_status(
        d, StatusEvent(State.SUCCESS, T1, "deployed", "https://log/2", "https://staging.example")
    )
    d = ledger.add_status(
        d, StatusEvent(State.FAILURE, T1, "smoke test failed", "https://log/3", None)
    )
    (read,) = backend.open().history()
    assert read == d
    assert [(s.state, s.at, s.description) for s in read.statuses] == [
        (State.IN_PROGRESS, START, "deploying"),
        (State.SUCCESS, T1, "deployed"),
        (State.FAILURE, T1, "smoke test failed"),
    ]
    assert read.state is State.FAILURE
    assert read.statuses[1].environment_url == "https://staging.example"


def test_an_earlier_success_stays_successful_when_a_later_one_succeeds(backend: Backend) -> None:
    """GitHub marks it inactive by itself; the ledger's state ignores that bookkeeping."""
    ledger = backend.open()
    first = ledger.record(make(backend, 1), new=True)
    ledger.add_status(first, StatusEvent(State.SUCCESS, T1, "deployed"))
    second = ledger.record(make(backend, 2), new=True)
    ledger.add_status(second, StatusEvent(State.SUCCESS, T2, "deployed"))
    assert [d.state for d in backend.open().history()] == [State.SUCCESS, State.SUCCESS]
    assert [len(d.statuses) for d in backend.open().history()] == [2, 2]


def test_per_target_environments_do_not_mark_each_other_inactive(backend: Backend) -> None:
    ledger = backend.open()
    for n, target in enumerate(["production/eu-west-1", "production/us-east-1"], 1):
        d = ledger.record(make(backend, n, target, production=True), new=True)
        ledger.add_status(d, StatusEvent(State.SUCCESS, T1, "deployed"))
    reads = {d.environment: d for d in backend.open().history()}
    assert {env: d.state for env, d in reads.items()} == {
        "production/eu-west-1": State.SUCCESS,
        "production/us-east-1": State.SUCCESS,
    }
    if backend.standin is not None:
        inactive = [
            s
            for d in backend.standin.state.deployments
            for s in d.statuses
            if s.state == "inactive"
        ]
        assert inactive == []


def test_recording_an_id_again_completes_it_and_never_duplicates(backend: Backend) -> None:
    started = make(backend, 1)
    backend.open().record(started, new=True)
    finished = started.with_status(StatusEvent(State.SUCCESS, T1, "deployed"))
    assert backend.open().record(finished) == finished
    assert backend.open().record(finished) == finished
    assert list(backend.open().history()) == [finished]


def test_a_deployment_created_without_its_status_is_completed_by_recording_it_again(
    backend: Backend,
) -> None:
    wanted = make(backend, 1)
    backend.open().record(replace(wanted, statuses=()), new=True)
    (half,) = backend.open().history()
    assert half.state is None and half.pending
    backend.open().record(wanted)
    assert list(backend.open().history()) == [wanted]


def test_recording_an_id_with_other_facts_is_refused(backend: Backend) -> None:
    original = make(backend, 1)
    backend.open().record(original, new=True)
    with pytest.raises(LedgerConflict):
        backend.open().record(replace(original, digest=digest_of("forged")))
    assert list(backend.open().history()) == [original]


def test_a_status_for_an_unknown_deployment_is_refused(backend: Backend) -> None:
    with pytest.raises(UnknownDeployment):
        backend.open().add_status(make(backend, 9), StatusEvent(State.SUCCESS, T1, "deployed"))


def test_long_histories_are_read_page_by_page(backend: Backend) -> None:
    ledger = backend.open()
    ids = [ledger.record(make(backend, n, statuses=()), new=True).id for n in range(1, 231)]
    assert [d.id for d in backend.open().history()] == list(reversed(ids))
    assert [d.id for d in backend.open().history(["staging"])][:3] == list(reversed(ids))[:3]


def test_a_deployment_with_many_statuses_reads_back_whole(backend: Backend) -> None:
    ledger = backend.open()
    d = ledger.record(make(backend, 1), new=True)
    for n in range(14):
        state = State.SUCCESS if n % 2 else State.FAILURE
        d = ledger.add_status(
            d,
            StatusEvent(
                state, START + dt.timedelta(minutes=n), f"attempt {n} · #99 2020-01-01T00:00:00Z"
            ),
        )
    (read,) = backend.open().history()
    assert read == d and len(read.statuses) == 15
