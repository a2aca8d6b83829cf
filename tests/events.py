"""Webhook event payloads that GitHub could really send, for act's `-e event.json`.

`make_event("push", after=..., before=...)` builds a complete payload from GitHub's own
webhook schema (tests/data/github-webhooks): every required field filled with a value of its
type and format, then the fields the test cares about merged in, and the result validated
against the schema. A payload a test invents that GitHub could never send fails here, not in
a confusing way later.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema

SCHEMAS = Path(__file__).parent / "data" / "github-webhooks" / "webhooks.subset.json"

# event name (as act takes it) and action → the schema's webhook key
WEBHOOKS = {
    ("push", None): "push",
    ("pull_request", "opened"): "pull-request-opened",
    ("pull_request", "synchronize"): "pull-request-synchronize",
    ("pull_request", "reopened"): "pull-request-reopened",
    ("pull_request", "closed"): "pull-request-closed",
    ("merge_group", None): "merge-group-checks-requested",
    ("workflow_dispatch", None): "workflow-dispatch",
    ("release", "published"): "release-published",
    ("deployment", None): "deployment-created",
    ("deployment_status", None): "deployment-status-created",
    ("workflow_run", "completed"): "workflow-run-completed",
}

_STRING_BY_FORMAT = {
    "date-time": "2026-01-01T00:00:00Z",
    "uri": "https://github.com/clearance-dev/consumer",
    "uri-template": "https://api.github.com/repos/clearance-dev/consumer{/path}",
    "email": "consumer@example.com",
    "date": "2026-01-01",
}


@functools.cache
def _document() -> dict[str, Any]:
    return json.loads(SCHEMAS.read_text(encoding="utf-8"))


def _schema_for(webhook: str) -> dict[str, Any]:
    operation = _document()["webhooks"][webhook]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return {**_document(), "$ref": ref}


def _validator(schema: Mapping[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = {
            **_document()["components"]["schemas"][name],
            **{k: v for k, v in schema.items() if k != "$ref"},
        }
    return schema


def _example(schema: Mapping[str, Any], depth: int = 0) -> Any:
    """A value valid against `schema` (required fields only), or raise if none is found."""
    schema = _resolve(schema)
    if depth > 40:
        raise ValueError("schema too deep")
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = _example(part, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    for key in ("oneOf", "anyOf"):
        if key in schema:
            standalone = {**_document(), **{k: v for k, v in schema.items() if k != "$ref"}}
            for branch in schema[key]:
                candidate = _example(branch, depth + 1)
                if _validator(standalone).is_valid(candidate):
                    return candidate
            raise ValueError(f"no {key} branch could be satisfied")
    types = schema.get("type", "object")
    kind = next((t for t in types if t != "null"), "null") if isinstance(types, list) else types
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: _example(properties.get(name, {}), depth + 1)
            for name in schema.get("required", [])
        }
    if kind == "array":
        return []
    if kind == "string":
        return _STRING_BY_FORMAT.get(schema.get("format", ""), "x")
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return None


def _merge(base: Any, overrides: Mapping[str, Any]) -> Any:
    result = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def make_event(event: str, action: str | None = None, **fields: Any) -> dict[str, Any]:
    """A schema-valid payload of `event` (and `action`), with `fields` deep-merged in."""
    webhook = WEBHOOKS[(event, action)]
    schema = _schema_for(webhook)
    payload = _merge(_example(schema), {**({"action": action} if action else {}), **fields})
    errors = sorted(_validator(schema).iter_errors(payload), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = "/".join(map(str, error.absolute_path)) or "(top)"
        raise AssertionError(f"{event} payload is not what GitHub sends: {where}: {error.message}")
    return payload


def assert_valid_event(event: str, payload: Mapping[str, Any], action: str | None = None) -> None:
    """Fail when a hand-written payload is not one GitHub could send."""
    schema = _schema_for(WEBHOOKS[(event, action)])
    jsonschema.validate(payload, schema, cls=jsonschema.Draft202012Validator)


def push_commit(sha: str, message: str = "change") -> dict[str, Any]:
    """One entry of a push event's `commits`, as GitHub sends it."""
    push = _resolve(_document()["components"]["schemas"]["webhook-push"])
    entry = _example(push["properties"]["commits"]["items"])
    return _merge(entry, {"id": sha, "tree_id": sha, "message": message, "distinct": True})
