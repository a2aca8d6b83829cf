"""The reference descriptions the GitHub stand-in validates against load and are themselves valid."""

from __future__ import annotations

import time

from openapi_spec_validator import validate
from tests.standins.validation import (
    bind_servers,
    check_query,
    github_graphql_schema,
    github_openapi_document,
)


def test_the_rest_description_with_loopback_servers_is_valid_openapi() -> None:
    document = bind_servers(
        github_openapi_document(), "http://127.0.0.1:1/api/v3", "http://127.0.0.1:1/api/uploads"
    )
    validate(document)
    assert document["servers"][0] == {"url": "http://127.0.0.1:1/api/v3"}
    upload = document["paths"]["/repos/{owner}/{repo}/releases/{release_id}/assets"]["post"]
    assert upload["servers"][0] == {"url": "http://127.0.0.1:1/api/uploads"}
    assert github_openapi_document()["servers"] == [
        {"url": "https://api.github.com"}
    ]  # not mutated


def test_nullable_enums_admit_null_as_github_means_them() -> None:
    conclusion = github_openapi_document()["components"]["schemas"]["check-run"]["properties"][
        "conclusion"
    ]
    assert conclusion["nullable"] is True and None in conclusion["enum"]


def test_the_graphql_schema_loads_once_and_validates_queries() -> None:
    started = time.monotonic()
    schema = github_graphql_schema()
    assert github_graphql_schema() is schema
    assert time.monotonic() - started < 10
    _, errors = check_query(schema, "query { viewer { login } }")
    assert errors == []
    _, errors = check_query(schema, "query { viewer { nickname } }")
    assert [
        e.message.startswith("Cannot query field 'nickname' on type 'User'.") for e in errors
    ] == [True]
