"""An OpenAPI 3.1 document built from an App's routes and their validators.

```python
import msgspec
from edgekit import App
from edgekit.helpers.validator import validator
from edgekit.openapi import describe_route, openapi

class NewUser(msgspec.Struct):
    name: str

class UserOut(msgspec.Struct):
    id: int
    name: str

app = App()

@app.post("/users")
@describe_route(summary="Create a user", tags=["users"], responses={201: UserOut, 409: "Name taken"})
@validator("json", NewUser)
async def create_user(c): ...

openapi(app, "/openapi.json", title="Users API", version="1.0.0")   # GET /openapi.json serves it
```

What goes in:

* every route registered with a method (``get``, ``post``, ...), in registration order;
  middleware (``app.use``), ``app.all`` routes, routes with a wildcard (``*``, which
  OpenAPI cannot express) and handlers marked ``describe_route(hidden=True)`` stay out.
  When several handlers share a method and path, the first one describes it.
* path params: ``/users/:id`` is ``/users/{id}``; ``:id{[0-9]+}`` adds ``pattern``;
  an optional ``/:type?`` gives both paths.
* validators (:func:`edgekit.helpers.validator.validator`) on the handler, or registered
  as middleware on exactly the same path: ``json`` and ``form`` give the request body,
  ``query``/``param``/``header``/``cookie`` give one parameter per field of the schema.
  msgspec types are described by ``msgspec.json.schema_components`` (so msgspec must be
  importable when the document is built); a callable validator is described by the
  JSON Schema given with ``validator(..., schema_json=...)``, or not at all. An operation
  with validators also documents the 400 validation error body.
* :func:`describe_route` metadata; without a summary, the first line of the handler's
  docstring is used.

There is no bundled documentation UI: every Swagger UI or Redoc page either loads its
scripts from a CDN or ships a megabyte of JavaScript, and an edge bundle should carry
neither. Point any OpenAPI viewer at the served document.
"""

from __future__ import annotations

from .router.base import METHOD_ALL
from .router.pattern import LITERAL, PARAM, REGEX, parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any, TypeVar

    from .app import App
    from .context import Context
    from .helpers.validator import Validator

    F = TypeVar("F", bound=Callable[..., Any])

OPENAPI_VERSION = "3.1.0"
_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")
_META = "__edgekit_openapi__"
_REF_TEMPLATE = "#/components/schemas/{name}"
_REF_PREFIX = "#/components/schemas/"
_PARAMETER_PLACES = {"query": "query", "param": "path", "header": "header", "cookie": "cookie"}
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_VALIDATION_ERROR = {
    "type": "object",
    "properties": {
        "error": {"const": "validation"},
        "target": {"type": "string", "enum": ["json", "form", "query", "param", "header", "cookie"]},
        "issues": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
                "required": ["path", "message"],
            },
        },
    },
    "required": ["error", "target", "issues"],
}


def describe_route(
    *,
    summary: str | None = None,
    description: str | None = None,
    tags: Iterable[str] | None = None,
    responses: Mapping[int | str, Any] | None = None,
    operation_id: str | None = None,
    deprecated: bool = False,
    hidden: bool = False,
) -> Callable[[F], F]:
    """Decorator: OpenAPI metadata for a handler (put it below the ``@app.get(...)`` line).

    ``responses`` maps a status (or ``"default"``) to a description string, a type
    msgspec can describe (sent as ``application/json``), or a complete OpenAPI
    response object (a dict). ``hidden=True`` leaves the route out of the document.
    """
    if responses is not None:
        for status in responses:
            if status != "default" and not (isinstance(status, int) and 100 <= status <= 599):
                raise ValueError(f"describe_route: response status must be 100..599 or 'default', not {status!r}")
    meta = {
        "summary": summary,
        "description": description,
        "tags": list(tags) if tags is not None else None,
        "responses": dict(responses) if responses is not None else None,
        "operation_id": operation_id,
        "deprecated": deprecated,
        "hidden": hidden,
    }

    def decorate(fn: F) -> F:
        setattr(fn, _META, meta)
        return fn

    return decorate


def _validators_of(fn: Any) -> list[Validator]:
    return list(getattr(fn, "__edgekit_validators__", ()))


def _openapi_paths(path: str) -> list[tuple[str, list[dict[str, Any]]]] | None:
    """``(OpenAPI path, path parameters)`` for each alternative of a route; None if one has a wildcard."""
    results = []
    for pattern in parse(path):
        if pattern.tail:
            return None
        segments: list[str] = []
        params: list[dict[str, Any]] = []
        for token in pattern.tokens:
            if token.kind == LITERAL:
                segments.append(token.text)
            elif token.kind in (PARAM, REGEX) and token.name is not None:
                segments.append("{" + token.name + "}")
                schema: dict[str, Any] = {"type": "string"}
                if token.kind == REGEX:
                    source = token.text[token.text.index("{") + 1 : -1]
                    schema["pattern"] = f"^(?:{source})$"
                params.append({"name": token.name, "in": "path", "required": True, "schema": schema})
            else:
                return None
        results.append(("/" + "/".join(segments), params))
    return results


class _Builder:
    """Collects operations, then resolves every msgspec type in one schema_components call."""

    def __init__(self) -> None:
        self.types: list[Any] = []
        self.paths: dict[str, dict[str, Any]] = {}
        self.operation_ids: set[str] = set()
        # Filled in place once the types' schemas are known: (holder dict, key, type).
        self.pending: list[tuple[dict[str, Any], str, Any]] = []
        self.expansions: list[tuple[list[dict[str, Any]], str, Any, dict[str, Any] | None]] = []
        self.operations: list[dict[str, Any]] = []
        self.uses_validation = False

    def schema_for(self, holder: dict[str, Any], key: str, kind: Any) -> None:
        self.types.append(kind)
        self.pending.append((holder, key, kind))

    def operation_id(self, wanted: str | None, fn: Any, method: str, path: str) -> str:
        candidates = []
        if wanted:
            candidates.append(wanted)
        name = getattr(fn, "__name__", "")
        if name.isidentifier() and name != "<lambda>":
            candidates.append(name)
        slug = "".join(ch if ch.isalnum() else "_" for ch in path).strip("_")
        candidates.append(f"{method.lower()}_{slug}" if slug else method.lower())
        for candidate in candidates:
            if candidate not in self.operation_ids:
                break
        else:
            base, n = candidates[-1], 2
            while f"{base}_{n}" in self.operation_ids:
                n += 1
            candidate = f"{base}_{n}"
        self.operation_ids.add(candidate)
        return candidate

    def add(self, method: str, fn: Any, path: str, validators: list[Validator]) -> None:
        meta: dict[str, Any] = getattr(fn, _META, None) or {}
        if meta.get("hidden"):
            return
        alternatives = _openapi_paths(path)
        if alternatives is None:
            return
        for openapi_path, path_params in alternatives:
            item = self.paths.setdefault(openapi_path, {})
            verb = method.lower()
            if verb in item:
                continue
            item[verb] = self._operation(meta, fn, method, openapi_path, path_params, validators)

    def _operation(
        self,
        meta: dict[str, Any],
        fn: Any,
        method: str,
        path: str,
        path_params: list[dict[str, Any]],
        validators: list[Validator],
    ) -> dict[str, Any]:
        operation: dict[str, Any] = {}
        summary = meta.get("summary")
        doc = getattr(fn, "__doc__", None)
        if summary is None and doc:
            summary = doc.strip().splitlines()[0] if doc.strip() else None
        if summary:
            operation["summary"] = summary
        if meta.get("description"):
            operation["description"] = meta["description"]
        if meta.get("tags"):
            operation["tags"] = meta["tags"]
        operation["operationId"] = self.operation_id(meta.get("operation_id"), fn, method, path)
        parameters: list[dict[str, Any]] = list(path_params)
        for v in validators:
            place = _PARAMETER_PLACES.get(v.target)
            if place is not None:
                self._parameters(parameters, place, v)
            else:
                operation["requestBody"] = self._body(v)
        # Filled by components() when the validators' schemas are known; dropped there if still empty.
        operation["parameters"] = parameters
        self.operations.append(operation)
        operation["responses"] = self._responses(meta.get("responses"), bool(validators))
        if meta.get("deprecated"):
            operation["deprecated"] = True
        return operation

    def _parameters(self, parameters: list[dict[str, Any]], place: str, v: Validator) -> None:
        if v.typed:
            self.types.append(v.schema)
            self.expansions.append((parameters, place, v.schema, None))
        elif v.json_schema is not None:
            self.expansions.append((parameters, place, None, v.json_schema))

    def _body(self, v: Validator) -> dict[str, Any]:
        media_types = ("application/json",) if v.target == "json" else _FORM_TYPES
        content: dict[str, Any] = {}
        for media_type in media_types:
            holder: dict[str, Any] = {}
            content[media_type] = holder
            if v.typed:
                self.schema_for(holder, "schema", v.schema)
            elif v.json_schema is not None:
                holder["schema"] = v.json_schema
        return {"required": True, "content": content}

    def _responses(self, given: dict[Any, Any] | None, validated: bool) -> dict[str, Any]:
        from http import HTTPStatus

        responses: dict[str, Any] = {}
        for status, spec in (given or {200: "Successful response"}).items():
            if isinstance(spec, str):
                responses[str(status)] = {"description": spec}
            elif isinstance(spec, dict):
                responses[str(status)] = spec
            else:
                phrase = HTTPStatus(status).phrase if isinstance(status, int) else "Default response"
                holder: dict[str, Any] = {}
                responses[str(status)] = {"description": phrase, "content": {"application/json": holder}}
                self.schema_for(holder, "schema", spec)
        if validated and "400" not in responses:
            self.uses_validation = True
            responses["400"] = {
                "description": "The request failed validation",
                "content": {"application/json": {"schema": {"$ref": _REF_PREFIX + "ValidationError"}}},
            }
        return responses

    def components(self) -> dict[str, Any]:
        """Resolve every type's schema in place; returns the component schemas."""
        components: dict[str, Any] = {}
        by_type: dict[Any, Any] = {}
        if self.types:
            try:
                import msgspec
            except ImportError:
                raise RuntimeError(
                    "describing msgspec types in the OpenAPI document needs msgspec (pip install 'edgekit[speed]')"
                ) from None
            unique = list(dict.fromkeys(self.types))
            schemas, components = msgspec.json.schema_components(unique, ref_template=_REF_TEMPLATE)
            by_type = dict(zip(unique, schemas))
        for holder, key, kind in self.pending:
            holder[key] = by_type[kind]
        for parameters, place, kind, given in self.expansions:
            _expand(parameters, place, by_type[kind] if kind is not None else given, components)
        for operation in self.operations:
            if not operation["parameters"]:
                del operation["parameters"]
        if self.uses_validation:
            components["ValidationError"] = _VALIDATION_ERROR
        return components


def _expand(parameters: list[dict[str, Any]], place: str, schema: Any, components: dict[str, Any]) -> None:
    """One parameter per property of an object schema; other schemas cannot be parameters."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
        schema = components.get(ref[len(_REF_PREFIX) :])
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return
    required = set(schema.get("required", ()))
    for name, prop in schema["properties"].items():
        parameter = {"name": name, "in": place, "required": place == "path" or name in required, "schema": prop}
        for i, existing in enumerate(parameters):
            if existing["name"] == name and existing["in"] == place:
                parameters[i] = parameter
                break
        else:
            parameters.append(parameter)


def generate(
    app: App,
    *,
    title: str = "edgekit app",
    version: str = "0.1.0",
    description: str | None = None,
    servers: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``app`` as it is now (see the module doc)."""
    from .helpers.validator import Validator

    builder = _Builder()
    middleware: list[tuple[str, str, Validator]] = []
    for info in app.routes:
        fn = info.step.fn
        if isinstance(fn, Validator):
            middleware.append((info.method, info.path, fn))
            continue
        if info.method not in _METHODS:
            continue
        validators = [v for method, path, v in middleware if path == info.path and method in (info.method, METHOD_ALL)]
        validators += _validators_of(fn)
        # A step taking ``next`` with nothing to say is middleware registered for one method.
        if info.step.takes_next and not validators and getattr(fn, _META, None) is None:
            continue
        builder.add(info.method, fn, info.path, validators)
    info_block: dict[str, Any] = {"title": title, "version": version}
    if description:
        info_block["description"] = description
    document: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": info_block}
    if servers:
        document["servers"] = [{"url": url} for url in servers]
    components = builder.components()
    document["paths"] = builder.paths
    if components:
        document["components"] = {"schemas": components}
    return document


def openapi(
    app: App,
    path: str = "/openapi.json",
    *,
    title: str = "edgekit app",
    version: str = "0.1.0",
    description: str | None = None,
    servers: Iterable[str] | None = None,
) -> None:
    """Serve ``app``'s OpenAPI document as JSON at ``GET path``.

    The document is built on the first request (so routes added after this
    call are included) and rebuilt only when routes have been added since.
    """
    cache: dict[str, Any] = {}

    @describe_route(hidden=True)
    def serve_openapi(c: Context) -> Any:
        if cache.get("routes") != len(app.routes):
            built = generate(app, title=title, version=version, description=description, servers=servers)
            cache.update(routes=len(app.routes), document=built)
        return c.json(cache["document"])

    app.get(path)(serve_openapi)
