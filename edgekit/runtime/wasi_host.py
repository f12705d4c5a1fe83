"""Call a component built by :mod:`edgekit.build.wasi` in-process, through wasmtime-py.

wasmtime-py cannot drive the wasi:http handler, so this calls the component's plain
``handle`` export, which runs the same adapter and app::

    host = ComponentHost.load(Path("dist/app.wasm"))
    call = host.instance(state=Path(".edgekit/state"))
    res = call("POST", "/todos", [("content-type", b"application/json")], b'{"title": "x"}')
    assert res.status == 201

Each :meth:`ComponentHost.instance` is a fresh instance (a cold start without the
compile); one ``call`` function reuses its instance. Compiling a component takes
seconds, so :meth:`ComponentHost.load` keeps a serialized copy beside the ``.wasm``
(``<name>.wasmtime-<version>.bin``) and reuses it while it is newer than the ``.wasm``.

For tests, benchmarks and tools on the host; a component never imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import Any

__all__ = ["ComponentHost", "PlainRequest", "PlainResponse"]


@dataclass
class PlainRequest:
    """The component's ``plain-request`` record (wasmtime-py reads records by attribute)."""

    method: str
    url: str
    headers: list[tuple[str, bytes]]
    body: bytes


@dataclass
class PlainResponse:
    """The component's ``plain-response`` record."""

    status: int
    headers: list[tuple[str, bytes]]
    body: bytes

    def header(self, name: str) -> list[str]:
        """Every value of header ``name`` (lower-case), in order."""
        return [value.decode("latin-1") for key, value in self.headers if key == name]


@dataclass
class ComponentHost:
    """A compiled component with a linker that provides WASI and wasi:http."""

    engine: Any
    component: Any
    linker: Any

    @classmethod
    def load(cls, wasm: Path) -> ComponentHost:
        """Compile ``wasm`` (or load its serialized copy); ImportError without wasmtime-py."""
        from importlib.metadata import version

        import wasmtime
        from wasmtime import component

        engine = wasmtime.Engine()
        cache = wasm.with_name(f"{wasm.stem}.wasmtime-{version('wasmtime')}.bin")
        loaded = None
        if cache.is_file() and cache.stat().st_mtime > wasm.stat().st_mtime:
            try:
                loaded = component.Component.deserialize_file(engine, str(cache))
            except wasmtime.WasmtimeError:
                loaded = None  # made by another build of wasmtime: compile afresh
        if loaded is None:
            loaded = component.Component.from_file(engine, str(wasm))
            cache.write_bytes(loaded.serialize())
        linker = component.Linker(engine)
        linker.add_wasip2()
        linker.add_wasi_http()
        return cls(engine, loaded, linker)

    def instance(self, state: Path | None = None) -> Callable[..., PlainResponse]:
        """``call(method, url, headers=(), body=b"")`` on a new instance; ``state`` is mounted as ``/state``.

        ``url`` is absolute or a path with its query. Without ``state`` the component's
        bindings cannot open, and a request that needs them gets a 500 saying so.
        """
        import wasmtime

        store = wasmtime.Store(self.engine)
        wasi = wasmtime.WasiConfig()
        wasi.inherit_stderr()
        if state is not None:
            wasi.preopen_dir(str(state), "/state")
        store.set_wasi(wasi)
        store.set_wasi_http()
        handle = self.linker.instantiate(store, self.component).get_func(store, "handle")

        def call(method: str, url: str, headers: Sequence[tuple[str, bytes]] = (), body: bytes = b"") -> PlainResponse:
            out = handle(store, PlainRequest(method, url, list(headers), body))
            handle.post_return(store)
            return PlainResponse(out.status, out.headers, out.body)

        return call
