"""Validation of request input: ``validator(target, schema)`` and ``valid(c, target)``.

```python
import msgspec
from edgekit.helpers.validator import valid, validator

class NewUser(msgspec.Struct):
    name: str
    age: int = 0

@app.post("/users")
@validator("json", NewUser)             # as a decorator on the handler ...
async def create(c):
    user = valid(c, "json")             # a NewUser
    return c.json({"name": user.name}, 201)

app.use("/search", validator("query", lambda q, c: q if "q" in q else fail()))  # ... or as middleware
```

Targets and what the schema receives:

========  =====================================================================
``json``  the parsed JSON body (Content-Type must be ``application/json`` or ``+json``)
``form``  the form body as a dict (urlencoded or multipart; a repeated field is a list
          when the schema's field is a list, else its first value; files are
          :class:`~edgekit.formdata.File` objects)
``query`` the query string as a dict (repeated names as for ``form``)
``param`` the route params of the handler (or middleware) being run
``header`` the request headers, names lower-cased (use ``msgspec.Struct`` with
          ``rename="kebab"`` to read ``x-request-id`` into ``x_request_id``)
``cookie`` the request cookies (:func:`edgekit.helpers.cookie.get_cookie`)
========  =====================================================================

The schema is a type msgspec can convert to (a ``msgspec.Struct``, ``dict[str, int]``,
...; strings from the query, form, params, headers and cookies are converted to numbers
and booleans as the type asks), which needs msgspec, imported on first use; or a plain
callable ``(value, c) -> value`` that raises ``ValueError``/``TypeError`` (or
:class:`Invalid`, for several issues) to reject the input, or returns a Response to
answer instead. ``schema_json=`` gives a callable a JSON Schema for the OpenAPI document.

A failure answers ``400`` with ``{"error": "validation", "target": ..., "issues":
[{"path": "$.age", "message": ...}]}``; malformed JSON, a body that is not a form and a
wrong Content-Type are failures too, never a 500. Handlers read the validated value with
``c.req.valid(target)`` (as in Hono), or :func:`valid`.
"""

from __future__ import annotations

from ..compose import Step, resolve
from ..response import Response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Any

    from ..context import Context

    Check = Callable[[Any, Context], Any]

TARGETS = ("json", "form", "query", "param", "header", "cookie")


class Invalid(ValueError):
    """Raised by a validation callable to reject input with one or more issues.

    ``issues`` is a list of ``{"path": ..., "message": ...}`` dicts; a plain
    message becomes one issue at ``path`` (``"$"``, the whole value, by default).
    """

    def __init__(
        self, message: str = "invalid input", *, path: str = "$", issues: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.issues = issues if issues is not None else [{"path": path, "message": message}]


def valid(c: Context, target: str) -> Any:
    """``c.req.valid(target)``: the value a :func:`validator` for ``target`` accepted on this request."""
    return c.req.valid(target)


def _is_type(schema: object) -> bool:
    """Whether ``schema`` is a type for msgspec (a class or a typing construct) rather than a callable."""
    return (
        isinstance(schema, type) or hasattr(schema, "__origin__") or hasattr(schema, "__args__") or not callable(schema)
    )


def _load_msgspec(schema: object) -> Any:
    try:
        import msgspec
    except ImportError:
        raise RuntimeError(
            f"validating against {schema!r} needs msgspec (pip install 'edgekit[speed]'); "
            "without it, pass a callable (value, c) -> value"
        ) from None
    return msgspec


def _issue_from_msgspec(message: str) -> dict[str, str]:
    """msgspec writes ``Expected `int`, got `str` - at `$.age```; split off the path."""
    text, sep, where = message.rpartition(" - at `")
    if sep and where.endswith("`"):
        return {"path": where[:-1], "message": text}
    return {"path": "$", "message": message}


class Validator:
    """The middleware :func:`validator` returns; also a decorator for one handler.

    ``target``, ``schema`` (the type or callable), ``typed`` (whether ``schema``
    is a type for msgspec) and ``json_schema`` (a JSON Schema given for a
    callable) are read by :mod:`edgekit.openapi`.
    """

    __slots__ = ("target", "schema", "json_schema", "typed", "_list_fields")

    def __init__(self, target: str, schema: Any, json_schema: dict[str, Any] | None) -> None:
        if target not in TARGETS:
            raise ValueError(f"unknown validation target {target!r}; use one of {', '.join(TARGETS)}")
        self.target = target
        self.schema = schema
        self.json_schema = json_schema
        self.typed = _is_type(schema)
        self._list_fields: frozenset[str] | None = None

    def __call__(self, c: Any, next: Callable[[], Awaitable[None]] | None = None) -> Any:
        """As middleware ``(c, next)``: validate, then go on. As ``validator(...)(handler)``: wrap it."""
        if next is None:
            return self._wrap(c)
        return self._middleware(c, next)

    async def _middleware(self, c: Context, next: Callable[[], Awaitable[None]]) -> Response | None:
        failure = await self.check(c)
        if failure is not None:
            return failure
        await next()
        return None

    def _wrap(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        import functools

        step = Step(handler)
        validators: list[Validator] = [*getattr(handler, "__edgekit_validators__", ()), self]

        async def validated(c: Context, *rest: Any) -> Any:
            failure = await self.check(c)
            if failure is not None:
                return failure
            return await resolve(step.fn(c, *rest))

        if not step.takes_next:
            # The App passes ``next`` only to callables with two parameters; keep the handler's arity.
            async def validated_one(c: Context) -> Any:
                return await validated(c)

            wrapper: Callable[..., Any] = validated_one
        else:

            async def validated_two(c: Context, next: Any) -> Any:
                return await validated(c, next)

            wrapper = validated_two
        functools.update_wrapper(wrapper, handler)
        # update_wrapper copied the handler's __dict__ (so describe_route metadata survives);
        # this validator is added to the ones already there.
        wrapper.__edgekit_validators__ = validators  # type: ignore[attr-defined]
        return wrapper

    async def check(self, c: Context) -> Response | None:
        """Validate this request's ``target``: None on success (the value stored), else the response."""
        try:
            value = await self._read(c)
            if self.typed:
                result = self._convert(value)
            else:
                try:
                    result = await resolve(self.schema(value, c))
                except Invalid:
                    raise
                except (ValueError, TypeError) as err:
                    raise Invalid(str(err) or type(err).__name__) from None
                if isinstance(result, Response):
                    return result
        except Invalid as err:
            return self._failure(c, err.issues)
        c.req.add_validated_data(self.target, result)
        return None

    def _failure(self, c: Context, issues: list[dict[str, str]]) -> Response:
        return c.json({"error": "validation", "target": self.target, "issues": issues}, 400)

    def _convert(self, value: Any) -> Any:
        msgspec = _load_msgspec(self.schema)
        try:
            # JSON is already typed; everything else arrives as strings to be read as numbers etc.
            return msgspec.convert(value, self.schema, strict=self.target == "json")
        except msgspec.ValidationError as err:
            # Only bad input is a 400: an unsupported schema type (a TypeError) is the app's bug.
            issue = _issue_from_msgspec(str(err))
            raise Invalid(issue["message"], path=issue["path"]) from None

    def _multi_valued(self) -> frozenset[str]:
        """The fields of a Struct schema that take several values (lists, sets, tuples)."""
        if self._list_fields is None:
            names: set[str] = set()
            if self.typed:
                info = _load_msgspec(self.schema).inspect.type_info(self.schema)
                for field in getattr(info, "fields", ()):
                    if type(field.type).__name__ in ("ListType", "SetType", "FrozenSetType", "VarTupleType"):
                        names.add(field.encode_name)
            self._list_fields = frozenset(names)
        return self._list_fields

    def _collapse(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        many = self._multi_valued()
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in many:
                result.setdefault(key, []).append(value)
            else:
                result.setdefault(key, value)
        return result

    async def _read(self, c: Context) -> Any:
        target = self.target
        content_type = (c.req.header("content-type") or "").split(";", 1)[0].strip().lower()
        if target == "json":
            if content_type != "application/json" and not content_type.endswith("+json"):
                raise Invalid(f"expected a JSON body (Content-Type application/json), got {content_type or 'none'!r}")
            try:
                return await c.req.raw.json()
            except ValueError as err:
                raise Invalid(f"malformed JSON: {err}") from None
        if target == "form":
            if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
                raise Invalid(f"expected a form body, got Content-Type {content_type or 'none'!r}")
            try:
                form = await c.req.raw.form()
            except (TypeError, ValueError) as err:
                raise Invalid(f"malformed form body: {err}") from None
            return self._collapse(list(form.items()))
        if target == "query":
            queries: dict[str, list[str]] = c.req.queries()
            return self._collapse([(key, value) for key, values in queries.items() for value in values])
        if target == "param":
            return c.req.param()
        if target == "header":
            return c.req.header()
        from .cookie import get_cookie

        return get_cookie(c)


def validator(target: str, schema: Any, *, schema_json: dict[str, Any] | None = None) -> Validator:
    """Middleware (and handler decorator) validating ``target`` against ``schema``.

    See the module doc for the targets, the schema forms and the 400 response.
    ``schema_json`` is a JSON Schema describing what a callable accepts, used only
    by :mod:`edgekit.openapi` (a msgspec type describes itself).
    """
    return Validator(target, schema, schema_json)
