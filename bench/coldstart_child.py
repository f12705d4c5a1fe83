"""Cold-start child: one fresh process = import, build, serve one request, exit.

Run as ``python -P bench/coldstart_child.py FRAMEWORK ENTRY [BLOCKED]`` by
``bench/coldstart.py`` (BLOCKED: comma-separated modules made unimportable,
to measure a deployment without an optional dependency). It imports the framework (through its app module),
builds the app (``GET /users/:id``, ``POST /echo`` and the first 10 routes of
the small table: 12 routes), serves ``GET /users/42`` through ENTRY ("asgi"
or "fetch") and checks the answer, then prints one line of ``key=value``:
its phase times (ns, from its own clock) and its peak RSS (VmHWM, kB).

The request coroutine is driven without an event loop (``harness.drive``):
every framework here serves it without suspending, and so none is charged
for ``import asyncio`` unless it imports asyncio itself (the peers all do).
A coroutine that does suspend gets ``asyncio.run`` and reports ``loop=1``.
The child imports nothing heavy of its own (no json, asyncio, typing, re).
"""

import sys
import time

now = time.perf_counter_ns


def peak_rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    framework, entry = sys.argv[1], sys.argv[2]
    for name in sys.argv[3].split(",") if len(sys.argv) > 3 else ():
        sys.modules[name] = None  # makes "import name" raise ImportError
    from bench.frameworks import BY_NAME
    from bench.harness import Suspended, asgi_call, drive
    from bench.routes import load

    fw = BY_NAME[framework]
    routes = load("small")[:10]
    t0 = now()
    __import__(fw.app_module)
    module = sys.modules[fw.app_module]
    t1 = now()
    app = drive(module.build(routes))
    t2 = now()
    if entry == "asgi":
        target = module.asgi(app)

        def request():
            return asgi_call(target, "GET", "/users/42", [(b"host", b"localhost")], b"")
    else:
        call = module.fetch(app)

        def request():
            return call("GET", "http://localhost/users/42", [("host", "localhost")], b"")
    loop = 0
    try:
        status, _headers, body = drive(request())
    except Suspended:
        import asyncio

        loop = 1
        status, _headers, body = asyncio.run(request())
    t3 = now()
    ok = status == 200 and b'"42"' in body and b"Ada Lovelace" in body
    print(
        f"ok={int(ok)} import_ns={t1 - t0} build_ns={t2 - t1} request_ns={t3 - t2} "
        f"hwm_kb={peak_rss_kb()} modules={len(sys.modules)} loop={loop} asyncio={int('asyncio' in sys.modules)}"
    )


if __name__ == "__main__":
    main()
