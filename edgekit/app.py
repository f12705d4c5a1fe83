"""App: register routes and middleware, then answer ``fetch(request, env, ctx)``.

Data flows one way: ``fetch`` takes a Request, the router finds every
matching step in registration order, ``compose`` runs them around a Context,
and a Response comes out. Runtime adapters only ever call ``fetch``.
"""

from __future__ import annotations

import sys
from types import CoroutineType

from .compose import Step, compose, resolve, to_response
from .context import Context
from .context_request import ContextRequest
from .execution_context import ExecutionContext
from .http_exception import HTTPException
from .request import Request
from .response import Response
from .router.base import METHOD_ALL
from .url import decode_uri_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, TypeVar

    from .compose import ErrorHandler, NotFoundHandler
    from .headers import HeadersInit
    from .router.base import Router

    H = TypeVar("H", bound=Callable[..., Any])


class RouteInfo:
    """One registration as the App keeps it: method, full path and step."""

    __slots__ = ("method", "path", "step")

    def __init__(self, method: str, path: str, step: Step) -> None:
        self.method = method
        self.path = path
        self.step = step

    @property
    def handler(self) -> Callable[..., Any]:
        return self.step.fn

    def __repr__(self) -> str:
        return f"RouteInfo({self.method} {self.path} -> {self.step.name})"


def merge_path(base: str, sub: str) -> str:
    """Join a prefix and a path the way Hono does (``/api`` + ``/`` is ``/api``)."""
    head = base if base.startswith("/") else "/" + base
    if sub == "/":
        return head
    return head + ("" if head.endswith("/") else "/") + (sub[1:] if sub.startswith("/") else sub)


def default_not_found(c: Context) -> Response:
    """``404 Not Found`` as plain text."""
    return c.text("404 Not Found", 404)


def default_on_error(err: Exception, c: Context) -> Response:
    """HTTPException -> its response; anything else -> a plain 500, traceback to stderr only."""
    if isinstance(err, HTTPException):
        return err.get_response()
    _log_exception(err, c)
    return c.text("Internal Server Error", 500)


def _log_exception(err: BaseException, c: Context | None) -> None:
    import traceback

    where = f" in {c.req.raw.method} {c.req.path}" if c is not None else ""
    print(f"edgekit: unhandled error{where}", file=sys.stderr)
    traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)


def _plain_500() -> Response:
    return Response.text("Internal Server Error", status=500)


class App:
    """A Hono-style application.

    ``App(strict=True, router=None)``: with ``strict=False`` one trailing
    slash is ignored (``/about/`` serves ``/about``); ``router`` is any object
    with ``add(method, path, handler)`` and ``match(method, path)`` (default: a
    :class:`~edgekit.router.SmartRouter`).
    """

    def __init__(self, *, strict: bool = True, router: Router | None = None) -> None:
        if router is None:
            from .router.smart import SmartRouter

            router = SmartRouter()
        self.router: Router = router
        self.strict = strict
        self.routes: list[RouteInfo] = []
        self._base_path = "/"
        self._not_found: NotFoundHandler = default_not_found
        self._on_error: ErrorHandler = default_on_error

    # -- registration -------------------------------------------------------

    def _add(self, method: str, path: str, step: Step) -> None:
        if not isinstance(path, str):
            raise TypeError(f"a route path must be a str, not {type(path).__name__}")
        method = method.upper()
        full = merge_path(self._base_path, path)
        self.router.add(method, full, step)
        self.routes.append(RouteInfo(method, full, step))

    def on(self, methods: str | Iterable[str], paths: str | Iterable[str]) -> Callable[[H], H]:
        """Decorator: register a handler for each of ``methods`` x ``paths``."""
        method_list = [methods] if isinstance(methods, str) else list(methods)
        path_list = [paths] if isinstance(paths, str) else list(paths)
        if not method_list or not path_list:
            raise ValueError("app.on() needs at least one method and one path")

        def register(fn: H) -> H:
            step = Step(fn)
            for method in method_list:
                for path in path_list:
                    self._add(method, path, step)
            return fn

        return register

    def get(self, path: str, *paths: str) -> Callable[[H], H]:
        """Decorator: handle GET (and so HEAD) on ``path`` and any further ``paths``."""
        return self.on("GET", [path, *paths])

    def post(self, path: str, *paths: str) -> Callable[[H], H]:
        """Decorator: handle POST."""
        return self.on("POST", [path, *paths])

    def put(self, path: str, *paths: str) -> Callable[[H], H]:
        """Decorator: handle PUT."""
        return self.on("PUT", [path, *paths])

    def delete(self, path: str, *paths: str) -> Callable[[H], H]:
        """Decorator: handle DELETE."""
        return self.on("DELETE", [path, *paths])

    def patch(self, path: str, *paths: str) -> Callable[[H], H]:
        """Decorator: handle PATCH."""
        return self.on("PATCH", [path, *paths])

    def options(self, path: str, *paths: str) -> Callable[[H], H]:
        """Decorator: handle OPTIONS."""
        return self.on("OPTIONS", [path, *paths])

    def all(self, path: str, *paths: str) -> Callable[[H], H]:
        """Decorator: handle every method."""
        return self.on(METHOD_ALL, [path, *paths])

    def use(self, *args: Any) -> Any:
        """Register middleware (``async def mw(c, next)``), for every method.

        ``app.use(mw, ...)`` applies to every path; ``app.use("/api/*", mw)``
        to a path; ``@app.use`` and ``@app.use("/api/*")`` are the decorator
        forms. Returns the (first) middleware, so decorating keeps the name.
        """
        if not args:
            raise TypeError("app.use() needs a path, a middleware, or both")
        if isinstance(args[0], str):
            path, middleware = args[0], args[1:]
            if not middleware:
                return self.on(METHOD_ALL, path)
        else:
            path, middleware = "*", args
        for fn in middleware:
            self._add(METHOD_ALL, path, Step(fn))
        return middleware[0]

    def route(self, prefix: str, sub: App) -> App:
        """Mount ``sub``'s routes (as registered so far) under ``prefix``.

        The sub-app's middleware stays scoped to its own paths, and its error
        handler keeps serving its routes. Routes added to ``sub`` later are not
        seen, as in Hono.
        """
        if not isinstance(sub, App):
            raise TypeError(f"app.route() mounts an App, not {type(sub).__name__}")
        own_errors = sub._on_error is not default_on_error
        for info in sub.routes:
            step = info.step.with_error_handler(sub._on_error) if own_errors else info.step
            self._add(info.method, merge_path(prefix, info.path), step)
        return self

    def mount(self, prefix: str, asgi_app: Any) -> App:
        """Serve the ASGI application ``asgi_app`` (Starlette, FastAPI, ...) at ``prefix`` and below.

        Every method on ``prefix`` and every path under it goes to ``asgi_app``,
        which sees ``scope["root_path"]`` set to the prefix and the whole path in
        ``scope["path"]``, as under Starlette's ``Mount``; its response streams
        back. Middleware registered before the mount runs around it. See
        :mod:`edgekit.mount`.
        """
        # Imported here: the bridge needs asyncio, which the core never loads up front.
        from .mount import asgi_handler, mount_root

        root = mount_root(self._base_path, prefix)
        self.all(merge_path(prefix, "/*"))(asgi_handler(asgi_app, root))
        return self

    def base_path(self, prefix: str) -> App:
        """A view of this App whose registrations are prefixed with ``prefix``.

        The new App shares this App's router and route list, as Hono's
        ``basePath`` does.
        """
        view = App.__new__(App)
        view.__dict__.update(self.__dict__)
        view._base_path = merge_path(self._base_path, prefix)
        return view

    def not_found(self, handler: NotFoundHandler) -> NotFoundHandler:
        """Set the handler for requests nothing answered (usable as a decorator)."""
        self._not_found = handler
        return handler

    def on_error(self, handler: ErrorHandler) -> ErrorHandler:
        """Set the handler for exceptions, ``handler(err, c)`` (usable as a decorator)."""
        self._on_error = handler
        return handler

    # -- serving ------------------------------------------------------------

    async def fetch(self, request: Request, env: Any = None, ctx: Any = None) -> Response:
        """Answer one request. Never raises for anything a request can do.

        ``env`` is what handlers see as ``c.env`` (bindings, vars); ``ctx`` is
        the runtime's execution context. Without one, a local
        :class:`ExecutionContext` is made when a handler asks for ``c.ctx``,
        and its ``wait_until`` work is scheduled on the running event loop
        after the response.
        """
        c: Context | None = None
        try:
            method = request.method
            path = request.path
            if "%" in path:
                path = decode_uri_path(path)
            if not self.strict and len(path) > 1 and path[-1] == "/":
                path = path[:-1]
            chain = self.router.match("GET" if method == "HEAD" else method, path)
            c = Context(ContextRequest(request, path), env, ctx, self._not_found)
            if len(chain) != 1:
                response = await self._run_chain(c, chain)
            else:
                # One matching step (plain routes without middleware): no onion to build.
                step, c.req._params = chain[0]
                try:
                    if step.takes_next:
                        result = step.fn(c, lambda: self._not_found_into(c))
                    else:
                        result = step.fn(c)
                    if type(result) is CoroutineType or hasattr(result, "__await__"):
                        result = await result
                    if result is None:
                        result = c._res if c._res is not None else await resolve(self._not_found(c))
                    response = result if type(result) is Response else to_response(c, result)
                except Exception as err:
                    response = await self._handle_error(err, c, step.on_error)
            if method == "HEAD":
                response = Response._adopt(None, response.status, response.headers)
        except Exception as err:
            _log_exception(err, c)
            response = _plain_500()
        if ctx is None and c is not None and c._ctx is not None and c._ctx.pending:
            c._ctx.schedule()
        return response

    async def _run_chain(self, c: Context, chain: list[tuple[Step, dict[str, str]]]) -> Response:
        try:
            await compose(c, chain, self._on_error, self._not_found)
            if c._res is None:
                raise RuntimeError(
                    "no response: a middleware or handler returned None without calling next(). "
                    "Return a Response (or str/dict/list/bytes), or await next()."
                )
            return c._res
        except Exception as err:
            return await self._handle_error(err, c, None)

    async def _not_found_into(self, c: Context) -> None:
        c.res = to_response(c, await resolve(self._not_found(c)))

    async def _handle_error(self, err: Exception, c: Context, handler: ErrorHandler | None) -> Response:
        c.error = err
        try:
            return to_response(c, await resolve((handler or self._on_error)(err, c)))
        except Exception as inner:
            _log_exception(inner, c)
            return _plain_500()

    async def request(
        self,
        path_or_url: str,
        *,
        method: str = "GET",
        headers: HeadersInit | None = None,
        body: Any = None,
        json: Any = None,
        env: Any = None,
    ) -> Response:
        """Test helper: send a request to this App in-process.

        A path (``/users/1?x=2``) is sent to ``http://localhost``; ``json=``
        serializes a body and sets ``content-type: application/json``. Work
        passed to ``c.ctx.wait_until`` has finished when this returns.
        """
        if json is not None:
            if body is not None:
                raise TypeError("pass either body= or json=, not both")
            from .headers import Headers
            from .json_codec import dumps

            body = dumps(json)
            with_type = Headers(headers)
            if not with_type.has("content-type"):
                with_type.set("content-type", "application/json")
            headers = with_type
        if path_or_url.startswith(("http://", "https://")):
            url = path_or_url
        else:
            url = "http://localhost" + merge_path("/", path_or_url)
        ctx = ExecutionContext()
        response = await self.fetch(Request(url, method=method, headers=headers, body=body), env, ctx)
        await ctx.drain()
        return response

    def __repr__(self) -> str:
        return f"<App {len(self.routes)} routes, router={getattr(self.router, 'name', type(self.router).__name__)}>"
