"""The event-payload builder only produces payloads GitHub could send."""

from __future__ import annotations

import pytest
from tests.events import WEBHOOKS, assert_valid_event, make_event, push_commit


@pytest.mark.parametrize("event, action", sorted(WEBHOOKS, key=str))
def test_every_supported_event_builds_a_schema_valid_payload(
    event: str, action: str | None
) -> None:
    payload = make_event(event, action)
    assert_valid_event(event, payload, action)


def test_fields_are_merged_into_the_payload() -> None:
    sha = "a" * 40
    payload = make_event(
        "push", after=sha, commits=[push_commit(sha)], repository={"default_branch": "trunk"}
    )
    assert payload["after"] == sha
    assert payload["commits"][0]["id"] == sha
    assert payload["repository"]["default_branch"] == "trunk"
    assert payload["repository"]["name"]  # the rest of the repository object is still there


@pytest.mark.parametrize(
    "event, action, fields",
    [
        ("push", None, {"commits": [{"id": "abc"}]}),  # a commit entry GitHub never sends
        ("push", None, {"forced": "yes"}),
        ("pull_request", "synchronize", {"number": "one"}),
    ],
)
def test_payloads_github_could_not_send_are_refused(
    event: str, action: str | None, fields: dict
) -> None:
    with pytest.raises(AssertionError, match="is not what GitHub sends"):
        make_event(event, action, **fields)
