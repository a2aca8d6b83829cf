"""Validation of what crosses the wire, against the services' own published descriptions.

REST: GitHub's OpenAPI description (tests/data/github-openapi), through openapi-core.
GraphQL: GitHub's introspection schema (tests/data/github-graphql), through graphql-core:
queries with `validate()`, results by re-executing the query over the result itself, so a
missing, extra, null-in-non-null or ill-typed field is caught by the same engine.
Both documents are loaded once per process (they are large and immutable).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    build_client_schema,
    execute,
    is_abstract_type,
    parse,
    validate,
)
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

DATA = Path(__file__).resolve().parents[1] / "data"
OPENAPI_PATH = DATA / "github-openapi" / "api.github.com.subset.json"
GRAPHQL_PATH = DATA / "github-graphql" / "schema.json.gz"


# --------------------------------------------------------------------------- REST (OpenAPI)


@cache
def github_openapi_document() -> Mapping[str, Any]:
    """The REST description (servers point at github.com); never mutated after loading.

    One reading is made explicit: GitHub marks enums `nullable: true` without listing null
    (e.g. a check run's `conclusion`), and answers null for them. OpenAPI 3.0.3 asks for null
    in the enum; it is added, so the validator reads the description the way GitHub means it."""
    document: dict[str, Any] = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    _list_null_in_nullable_enums(document)
    return document


def _list_null_in_nullable_enums(node: Any) -> None:
    if isinstance(node, dict):
        if (
            node.get("nullable") is True
            and isinstance(node.get("enum"), list)
            and None not in node["enum"]
        ):
            node["enum"].append(None)
        for value in node.values():
            _list_null_in_nullable_enums(value)
    elif isinstance(node, list):
        for value in node:
            _list_null_in_nullable_enums(value)


def bind_servers(document: Mapping[str, Any], api_url: str, uploads_url: str) -> dict[str, Any]:
    """A copy of `document` whose `servers` start with the stand-in's loopback URLs: the API
    origin at the top level, the uploads origin where an operation names its own servers."""
    bound = dict(document)
    bound["servers"] = [{"url": api_url}, *document.get("servers", [])]
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        item = dict(item)
        for method, operation in list(item.items()):
            if isinstance(operation, dict) and "servers" in operation:
                item[method] = {
                    **operation,
                    "servers": [{"url": uploads_url}, *operation["servers"]],
                }
        paths[path] = item
    bound["paths"] = paths
    return bound


@dataclass(frozen=True)
class OpenApiRequest:
    """openapi-core's Request protocol over a plain description of an HTTP request."""

    host_url: str
    path: str
    method: str  # lower case
    body: bytes | None
    content_type: str
    parameters: RequestParameters

    @classmethod
    def build(
        cls,
        url: str,
        method: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> OpenApiRequest:
        parts = urlsplit(url)
        return cls(
            host_url=f"{parts.scheme}://{parts.netloc}",
            path=parts.path,
            method=method.lower(),
            body=body,
            content_type=content_type.lower(),
            parameters=RequestParameters(
                query=ImmutableMultiDict(list(query)), header=Headers(dict(headers or {}))
            ),
        )


@dataclass(frozen=True)
class OpenApiResponse:
    status_code: int
    data: bytes | None
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestCheck:
    operation_id: str | None
    errors: list[str]
    status: int  # what GitHub answers when `errors` is not empty: 404, 400 or 422
    path: Mapping[str, Any]
    query: Mapping[str, Any]
    body: Any


class RestDescription:
    """GitHub's REST description bound to one stand-in's URLs: routes requests to operation
    ids and validates requests and responses."""

    def __init__(self, api_url: str, uploads_url: str) -> None:
        document = bind_servers(github_openapi_document(), api_url, uploads_url)
        self.document = document
        # the description itself is checked once, by a unit test; not on every start
        self.openapi = OpenAPI.from_dict(
            document,
            config=Config(
                spec_validator_cls=None,
                # GitHub's own format for epoch seconds (X-RateLimit-Reset)
                extra_format_validators={"timestamp": _is_epoch_seconds},
                extra_format_unmarshallers={"timestamp": int},
            ),
        )
        self._finder = APICallPathFinder(self.openapi.spec)
        self._prefixes = sorted(
            {urlsplit(api_url).path, urlsplit(uploads_url).path}, key=len, reverse=True
        )
        templates = sorted(
            document["paths"], key=lambda t: len(re.sub(r"\{[^}]+\}", "", t)), reverse=True
        )
        self._templates = [
            (t, re.compile(re.sub(r"\\\{(\w+)\\\}", _parameter_pattern, re.escape(t))))
            for t in templates
        ]
        self.operations: dict[str, tuple[str, str, Mapping[str, Any]]] = {
            operation["operationId"]: (method, path, operation)
            for path, item in document["paths"].items()
            for method, operation in item.items()
            if isinstance(operation, dict) and "operationId" in operation
        }

    def operation_id(self, method: str, url: str) -> str | None:
        try:
            found = self._finder.find(method.lower(), url)
        except PathError:
            return None
        return str(found.operation["operationId"])

    def normalize(self, request: OpenApiRequest) -> OpenApiRequest:
        """GitHub takes refs with slashes unencoded (`git/ref/heads/main`, `compare/a...b/c`);
        OpenAPI path parameters cannot hold a slash. A path that does not route as sent is
        matched against the templates with slash-tolerant parameters and re-encoded."""
        if self.operation_id(request.method, request.host_url + request.path) is not None:
            return request
        for prefix in self._prefixes:
            if not request.path.startswith(prefix + "/"):
                continue
            rest = request.path[len(prefix) :]
            for template, pattern in self._templates:
                match = pattern.fullmatch(rest)
                if match and request.method in self.document["paths"][template]:
                    path = template
                    for name, value in match.groupdict().items():
                        path = path.replace("{" + name + "}", quote(value, safe=""))
                    return replace(request, path=prefix + path)
        return request

    def check_request(self, request: OpenApiRequest) -> RequestCheck:
        url = request.host_url + request.path
        operation_id = self.operation_id(request.method, url)
        if operation_id is not None:
            request = self._without_empty_optional_query(operation_id, request)
        result = self.openapi.unmarshal_request(request)
        errors = [describe_openapi_error(error) for error in result.errors]
        status = 422
        if operation_id is None:
            status = 404
        elif any(type(e).__name__ == "InvalidParameter" and _in_path(e) for e in result.errors):
            status = 404  # GitHub routes on path segments: /deployments/abc is "Not Found"
        elif any(_is_json_error(e) for e in result.errors):
            status = 400
        parameters = result.parameters
        return RequestCheck(
            operation_id=operation_id,
            errors=errors,
            status=status,
            path={k: unquote(v) if isinstance(v, str) else v for k, v in parameters.path.items()}
            if parameters
            else {},
            query=dict(parameters.query) if parameters else {},
            body=result.body,
        )

    def _without_empty_optional_query(
        self, operation_id: str, request: OpenApiRequest
    ) -> OpenApiRequest:
        """GitHub reads an empty optional query parameter (PyGithub sends `label=` on every
        upload) as an absent one; the description's default `allowEmptyValue: false` would
        refuse it. Such pairs are dropped before validation; required ones stay."""
        _, path, operation = self.operations[operation_id]
        optional = set()
        for parameter in [
            *self.document["paths"][path].get("parameters", []),
            *operation.get("parameters", []),
        ]:
            if "$ref" in parameter:
                parameter = self.document["components"]["parameters"][
                    parameter["$ref"].rsplit("/", 1)[1]
                ]
            if parameter["in"] == "query" and not parameter.get("required"):
                optional.add(parameter["name"])
        pairs = list(request.parameters.query.items(multi=True))  # type: ignore[call-arg]
        kept = [(k, v) for k, v in pairs if not (v == "" and k in optional)]
        if len(kept) == len(pairs):
            return request
        parameters = RequestParameters(
            query=ImmutableMultiDict(kept), header=request.parameters.header
        )
        return replace(request, parameters=parameters)

    def check_response(self, request: OpenApiRequest, response: OpenApiResponse) -> list[str]:
        """Errors of `response` against the operation `request` was routed to. An error status
        the operation does not declare is checked against GitHub's shared error schemas."""
        operation_id = self.operation_id(request.method, request.host_url + request.path)
        if operation_id is not None and response.status_code >= 400:
            _, _, operation = self.operations[operation_id]
            declared = operation.get("responses", {})
            if str(response.status_code) not in declared and "default" not in declared:
                return self.check_error_body(response)
        result = self.openapi.unmarshal_response(request, response)
        return [describe_openapi_error(error) for error in result.errors]

    def check_error_body(self, response: OpenApiResponse) -> list[str]:
        schema = "validation-error" if response.status_code == 422 else "basic-error"
        try:
            body = json.loads(response.data or b"")
        except ValueError as error:
            return [f"error body is not JSON: {error}"]
        validator = OAS30Validator(
            {"$ref": f"#/components/schemas/{schema}", "components": self.document["components"]}
        )
        return [f"{schema}: {e.message}" for e in validator.iter_errors(body)]


# parameters GitHub documents as git names that may contain slashes (refs/heads/a/b, tags)
_SLASHED = {"ref", "base", "head", "tag", "commit_sha"}


def _parameter_pattern(match: re.Match[str]) -> str:
    name = match.group(1)
    return f"(?P<{name}>.+?)" if name in _SLASHED else f"(?P<{name}>[^/]+)"


def _is_epoch_seconds(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _in_path(error: BaseException) -> bool:
    return getattr(error, "location", None) == "path"


def _is_json_error(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ValueError) and "JSON" in type(cause).__name__ + str(cause):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def describe_openapi_error(error: BaseException) -> str:
    """One line: the openapi-core error and the JSON-schema messages under it (with paths)."""
    details: list[str] = []
    cause: BaseException | None = error.__cause__
    while cause is not None:
        for schema_error in getattr(cause, "schema_errors", ()) or ():
            where = "/".join(str(p) for p in schema_error.absolute_path) or "<root>"
            details.append(f"{where}: {_short(schema_error.message)}")
        if not getattr(cause, "schema_errors", None) and str(cause):
            details.append(_short(str(cause)))
        cause = cause.__cause__
    head = type(error).__name__ if details else f"{type(error).__name__}: {_short(str(error))}"
    return "; ".join(dict.fromkeys([head, *details]))


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- GraphQL

_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_SCALAR_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "DateTime": (_DATETIME, "an ISO-8601 date-time"),
    "GitTimestamp": (_DATETIME, "an ISO-8601 date-time"),
    "PreciseDateTime": (_DATETIME, "an ISO-8601 date-time"),
    "Date": (re.compile(r"^\d{4}-\d\d-\d\d$"), "an ISO-8601 date"),
    "GitObjectID": (re.compile(r"^[0-9a-f]{40}$"), "a 40-hex git object id"),
    "URI": (re.compile(r"^[a-z][a-z0-9+.-]*://[^\s]+$"), "an absolute URI"),
}


def _strict_serializer(name: str, pattern: re.Pattern[str], meaning: str) -> Any:
    def serialize(value: Any) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise GraphQLError(f"{name} cannot represent {value!r}: expected {meaning}")
        return value

    return serialize


@cache
def github_graphql_schema() -> GraphQLSchema:
    """GitHub's schema from its introspection JSON. GitHub's schema trips graphql-js's
    deprecation-consistency rule, so the schema's own validation errors are cleared (the one
    documented workaround); the custom scalars GitHub gives a format are made strict."""
    with gzip.open(GRAPHQL_PATH, "rt", encoding="utf-8") as handle:
        introspection = json.load(handle)
    schema = build_client_schema(introspection.get("data", introspection))
    schema._validation_errors = []  # type: ignore[attr-defined]
    for name, (pattern, meaning) in _SCALAR_FORMATS.items():
        scalar = schema.type_map.get(name)
        if isinstance(scalar, GraphQLScalarType):
            strict = _strict_serializer(name, pattern, meaning)
            # graphql-core 3.3 reads `coerce_output_value`; 3.2 read `serialize`
            for attribute in ("coerce_output_value", "serialize"):
                if hasattr(scalar, attribute):
                    setattr(scalar, attribute, strict)
    return schema


def check_query(
    schema: GraphQLSchema, query: str
) -> tuple[DocumentNode | None, list[GraphQLError]]:
    """Parse and validate a query document; the errors are graphql-core's."""
    try:
        document = parse(query)
    except GraphQLError as error:
        return None, [error]
    return document, list(validate(schema, document))


def check_result(
    schema: GraphQLSchema,
    document: DocumentNode,
    data: Mapping[str, Any] | None,
    *,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> list[str]:
    """Errors of a result's `data` against the query that produced it.

    The query is executed again with the result itself as the root value: every requested
    field is read back by its response key, so graphql-core checks nullability, lists, enum
    and scalar values; the re-executed data must then equal the original (no extra field, no
    coerced value)."""
    if data is None:
        return []
    replay = execute(
        schema,
        document,
        root_value=data,
        variable_values=dict(variables or {}),
        operation_name=operation_name,
        field_resolver=_read_back,
        type_resolver=_type_from_result,
    )
    if not isinstance(replay, ExecutionResult):
        return ["result validation cannot run asynchronously"]
    errors = [f"{'/'.join(map(str, e.path or []))}: {e.message}" for e in replay.errors or []]
    if not errors and replay.data != data:
        errors.append(
            f"result differs from what the query selects: {_first_difference(data, replay.data)}"
        )
    return errors


class _Missing(GraphQLError):
    pass


def _read_back(source: Any, info: Any, **_: Any) -> Any:
    key = info.path.key
    if not isinstance(source, Mapping) or key not in source:
        raise _Missing(f"missing field {key!r}")
    return source[key]


def _type_from_result(value: Any, info: Any, abstract_type: Any) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("__typename"), str):
        return str(value["__typename"])
    # no __typename selected: the concrete type is the one whose selection yields these keys
    selections = [node.selection_set for node in info.field_nodes if node.selection_set]
    for candidate in info.schema.get_possible_types(abstract_type):
        keys: set[str] = set()
        for selection_set in selections:
            keys |= _response_keys(info.schema, selection_set, candidate, info.fragments)
        if isinstance(value, Mapping) and keys == set(value):
            return str(candidate.name)
    return None


def _response_keys(
    schema: GraphQLSchema, selection_set: SelectionSetNode, runtime: Any, fragments: Any
) -> set[str]:
    keys: set[str] = set()
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            keys.add(selection.alias.value if selection.alias else selection.name.value)
            continue
        if isinstance(selection, InlineFragmentNode):
            condition, inner = selection.type_condition, selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments[selection.name.value]
            condition, inner = fragment.type_condition, fragment.selection_set
        else:
            continue
        if condition is None or _applies(schema, condition.name.value, runtime):
            keys |= _response_keys(schema, inner, runtime, fragments)
    return keys


def _applies(schema: GraphQLSchema, condition: str, runtime: Any) -> bool:
    if condition == runtime.name:
        return True
    conditional = schema.get_type(condition)
    return bool(is_abstract_type(conditional) and schema.is_sub_type(conditional, runtime))  # type: ignore[arg-type]


def _first_difference(expected: Any, actual: Any, path: str = "") -> str:
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key in expected.keys() | actual.keys():
            if key not in actual:
                return f"{path}/{key} is not selected by the query"
            if key not in expected:
                return f"{path}/{key} is missing"
            if expected[key] != actual[key]:
                return _first_difference(expected[key], actual[key], f"{path}/{key}")
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            if left != right:
                return _first_difference(left, right, f"{path}/{index}")
    return f"{path or '<root>'}: {expected!r} is not a valid value here (reads back as {actual!r})"
