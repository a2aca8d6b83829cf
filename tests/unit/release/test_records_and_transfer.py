"""The record's JSON form, and moving a history between ledgers with export/import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.release.desk import PASSING_SCAN, Desk
from tests.release.support import START, Clock, digest_of

from clearance.errors import UsageError
from clearance.release.ledger.interface import LedgerConflict
from clearance.release.ledger.sqlite import SqliteLedger
from clearance.release.ledger.transfer import import_into, parse_export, render_export
from clearance.release.records import (
    Change,
    Deployment,
    Evidence,
    RecordError,
    State,
    StatusEvent,
    Task,
    from_json,
    to_json,
)

FULL = Deployment(
    id="01JNQ3V6E0Z8K4XQ2M6T9B1C5D",
    environment="production/eu-west-1",
    digest=digest_of("A"),
    commit="a" * 40,
    task=Task.ROLLBACK,
    created_at=START,
    ref="refs/tags/v1.2.0",
    repository="acme/shop",
    version="v1.2.0",
    actor="octocat",
    run_id="42",
    run_attempt=2,
    run_url="https://github.com/acme/shop/actions/runs/42/attempts/2",
    production=True,
    transient=False,
    description="restore",
    promoted_from=None,
    rollback_of="01JNQ3V6E0Z8K4XQ2M6T9B1C5E",
    previous="01JNQ3V6E0Z8K4XQ2M6T9B1C5E",
    changes=(Change("b" * 40, START, START, 12), Change("c" * 40, None, None, None)),
    changes_complete=False,
    evidence=Evidence(scan=PASSING_SCAN, references=("https://example.com/bundle.json",)),
    statuses=(
        StatusEvent(State.IN_PROGRESS, START, "rolling back", "https://log", None),
        StatusEvent(State.SUCCESS, START, "deployed", "https://log", "https://eu.shop.example"),
    ),
)


def test_a_record_survives_its_json_form() -> None:
    assert from_json(json.loads(json.dumps(to_json(FULL)))) == FULL


@pytest.mark.parametrize(
    "change, message",
    [
        ({"format": 2}, "record format 2 is not supported"),
        ({"task": "deploy:migrate"}, "unknown task"),
        ({"digest": None}, "missing 'digest'|'digest' has the wrong type"),
        ({"created_at": "yesterday"}, "'created_at' is not a time"),
        ({"statuses": [{"state": "exploded", "at": "2025-03-03T09:00:00Z"}]}, "unknown state"),
    ],
)
def test_damaged_records_are_refused_with_the_reason(change: dict, message: str) -> None:  # type: ignore[type-arg]
    document = {**to_json(FULL), **change}
    with pytest.raises(RecordError, match=message):
        from_json(document)


def history_of(ledger: SqliteLedger) -> list[Deployment]:
    return list(ledger.history())


def test_export_then_import_reproduces_the_history_exactly(tmp_path: Path, clock: Clock) -> None:
    source = SqliteLedger(tmp_path / "a.db")
    desk = Desk(source, clock)
    desk.deploy("staging", digest_of("A"))
    clock.advance(minutes=40)
    desk.promote(digest_of("A"), "staging", "production")
    desk.deploy("staging", digest_of("B"), state=State.FAILURE)
    text = render_export(source.history())

    target = SqliteLedger(tmp_path / "b.db")
    assert import_into(target, parse_export(text, "export.json")) == (3, 0)
    assert history_of(target) == history_of(source)
    assert import_into(target, parse_export(text, "export.json")) == (0, 3), (
        "importing again adds nothing"
    )
    assert history_of(target) == history_of(source)


def test_an_import_completes_deployments_that_gained_statuses(tmp_path: Path, clock: Clock) -> None:
    source = SqliteLedger(tmp_path / "a.db")
    desk = Desk(source, clock)
    started = desk.start("staging", digest_of("A"))
    early = render_export(source.history())
    desk.finish(started)
    target = SqliteLedger(tmp_path / "b.db")
    import_into(target, parse_export(early, "early.json"))
    import_into(target, parse_export(render_export(source.history()), "late.json"))
    assert history_of(target) == history_of(source)


def test_an_import_that_contradicts_the_ledger_writes_nothing(tmp_path: Path) -> None:
    target = SqliteLedger(tmp_path / "b.db")
    target.record(FULL)
    from dataclasses import replace

    other = replace(FULL, id="01JNQ3V6E0Z8K4XQ2M6T9B1C5F")
    forged = replace(FULL, commit="f" * 40)
    with pytest.raises(LedgerConflict):
        import_into(target, [other, forged])
    assert [d.id for d in target.history()] == [FULL.id]


@pytest.mark.parametrize(
    "text, message",
    [
        ("not json", "not JSON"),
        ('{"deployments": []}', "not a clearance ledger export"),
        (
            '{"$schema": "https://clearance.dev/schema/ledger-export/v1.json", "version": 7, "deployments": []}',
            "export version 7 is not supported",
        ),
    ],
)
def test_malformed_exports_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_export(text, "x.json")


def test_an_export_naming_one_id_twice_is_refused() -> None:
    document = json.loads(render_export([FULL, FULL]))
    with pytest.raises(UsageError, match="appears twice"):
        parse_export(json.dumps(document), "x.json")
