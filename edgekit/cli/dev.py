"""``edgekit dev [APP]``: serve an app locally, by default on CPython (uvicorn), like ``wrangler dev``.

When a ``wrangler.toml`` sits beside the app (or in the current folder, or is
named with ``--config``), its bindings are opened as local stores under
``.edgekit/state`` (D1 migrations applied) and its ``[vars]`` and
``.dev.vars`` are set, as ``wrangler dev`` does: handlers see them as
``c.env``. Each request is logged with its CPU time against the Workers
free-plan limit (10 ms) or ``--cpu-budget-ms``; see ``docs/cli.md``.

``--runtime pyodide`` serves the app in real Pyodide (the Workers runtime) and
``--runtime wasi`` as a WebAssembly component under wasmtime.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import threading
from dataclasses import asdict
from pathlib import Path

from .dev_budget import WORKERS_FREE_CPU_MS, Budget, BudgetMeter
from .project import APP_HELP, USAGE, CommandError, app_target, find_config, import_target, load_app

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

RUNTIMES = ("cpython", "pyodide", "wasi")
DEFAULT_STATE_DIR = ".edgekit/state"

# What the factory needs after a reload, when uvicorn imports it afresh.
_TARGET_ENV = "EDGEKIT_DEV_APP"
_CONFIG_ENV = "EDGEKIT_DEV_CONFIG"
_STATE_ENV = "EDGEKIT_DEV_STATE"
_ENVIRONMENT_ENV = "EDGEKIT_DEV_ENVIRONMENT"
_BUDGET_ENV = "EDGEKIT_DEV_BUDGET"


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("dev", help="serve an app locally", description=__doc__)
    parser.add_argument("app", nargs="?", help=APP_HELP)
    parser.add_argument(
        "--runtime", choices=RUNTIMES, default="cpython", help="where the app runs (default: cpython, the fastest)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port (default: 8787, like wrangler dev)")
    parser.add_argument("--reload", action="store_true", help="restart when a .py file changes")
    parser.add_argument(
        "--config", help="wrangler.toml with the bindings (default: beside the app, else ./wrangler.toml)"
    )
    parser.add_argument(
        "--state-dir", help=f"where local KV and D1 keep their files (default on cpython: {DEFAULT_STATE_DIR})"
    )
    parser.add_argument("--env", dest="environment", help="use the [env.NAME] section of wrangler.toml")
    budgets = parser.add_argument_group("budgets (cpython runtime)")
    budgets.add_argument(
        "--cpu-budget-ms",
        type=_positive,
        default=WORKERS_FREE_CPU_MS,
        help=f"warn when a request uses more CPU time (default: {WORKERS_FREE_CPU_MS:g}, Workers' free plan)",
    )
    budgets.add_argument(
        "--memory-budget-mb", type=_positive, help="warn when a request allocates more at its peak (implies --memory)"
    )
    budgets.add_argument("--memory", action="store_true", help="measure each request's memory (slows requests down)")
    budgets.add_argument("--enforce", action="store_true", help="answer 503 when a request goes over a budget")
    parser.set_defaults(run=run)


def _positive(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def asgi_factory() -> BudgetMeter:
    """What uvicorn imports (also after a reload): the app named in the environment,
    with the local bindings of its wrangler.toml opened at startup and every request metered."""
    from ..runtime.asgi import ASGIApp

    app = load_app(os.environ[_TARGET_ENV])
    config = os.environ.get(_CONFIG_ENV)
    if config:
        asgi = ASGIApp.with_local_bindings(
            app,
            config,
            state_dir=os.environ[_STATE_ENV],
            environment=os.environ.get(_ENVIRONMENT_ENV) or None,
            dev_vars=True,
        )
    else:
        asgi = ASGIApp(app)
    budget = Budget(**json.loads(os.environ.get(_BUDGET_ENV) or "{}"))
    return BudgetMeter(asgi, budget, _log)


_log_lock = threading.Lock()


def _log(line: str) -> None:
    # Previews relay their runtime's stdout and stderr from two threads: one write per line,
    # under a lock, so that two lines never splice (print() writes the newline separately).
    with _log_lock:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def check_port(host: str, port: int) -> None:
    """Fail with a clear message when ``host:port`` cannot be listened on (in use, not an address here)."""
    if not 0 <= port <= 65535:
        raise CommandError(f"--port must be between 0 and 65535, not {port}", USAGE)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CommandError(f"cannot listen on {host}: {exc.strerror}; pass --host 127.0.0.1", USAGE) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # The same option uvicorn sets, so a port left in TIME_WAIT is not reported as taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"port {port} on {host} is in use: stop the other server or pick another port with --port"
                ) from None
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _check_config(config: Path | None, environment: str | None) -> None:
    """Refuse, before any runtime starts, what a runtime would refuse in ``config``
    (``[env.<environment>]`` with ``--env``); say that its ``[assets]`` are not served."""
    from ..bindings.local_env import WranglerConfigError, read_config

    if config is None:
        if environment is not None:
            # Without a configuration there is no [env.NAME] to read: ignoring --env would serve the wrong bindings.
            raise CommandError(f"--env {environment} needs a wrangler.toml: pass --config PATH", USAGE)
        return
    try:
        # Every runtime reads its bindings this way.
        bindings = read_config(config, environment=environment)
    except WranglerConfigError as exc:
        raise CommandError(str(exc), USAGE) from None
    if bindings.assets is not None:
        _log(
            f"edgekit dev: note: the [assets] of {config.name} are not served here ({bindings.assets}: on "
            "Cloudflare its files are answered before the Worker runs): requests for them reach the app"
        )


def run(args: argparse.Namespace) -> int:
    # Without APP, Pyodide serves the Worker entry that wrangler.toml's ``main`` names.
    worker_main = args.app is None and args.runtime == "pyodide"
    args.app = app_target(args.app)
    config = find_config(args.app, args.config)
    _check_config(config, args.environment)
    check_port(args.host, args.port)
    if args.runtime == "cpython":
        return _serve_cpython(args, config)
    if args.enforce or args.memory or args.memory_budget_mb is not None:
        raise CommandError("--enforce, --memory and --memory-budget-mb work with --runtime cpython only", USAGE)
    preview = import_target("edgekit.preview", args.runtime, "runtime")
    serve = preview.serve
    return int(
        serve(
            "" if worker_main else args.app,
            config=config,
            host=args.host,
            port=args.port,
            state_dir=Path(args.state_dir) if args.state_dir else None,
            reload=args.reload,
            log=_log,
            environment=args.environment,
        )
    )


def _serve_cpython(args: argparse.Namespace, config: Path | None) -> int:
    try:
        import uvicorn
    except ImportError:
        raise CommandError("edgekit dev needs uvicorn: pip install 'edgekit[serve]'", USAGE) from None
    load_app(args.app)  # fail here, with a clear message, rather than inside the server
    os.environ[_TARGET_ENV] = args.app
    if config is not None:
        state_dir = args.state_dir or DEFAULT_STATE_DIR
        os.environ[_CONFIG_ENV] = str(config)
        os.environ[_STATE_ENV] = state_dir
        os.environ[_ENVIRONMENT_ENV] = args.environment or ""
        _log(f"edgekit dev: bindings from {config}, state in {state_dir}")
    budget = Budget(
        cpu_ms=args.cpu_budget_ms,
        memory_mb=args.memory_budget_mb,
        measure_memory=args.memory,
        enforce=args.enforce,
    )
    os.environ[_BUDGET_ENV] = json.dumps(asdict(budget))
    location = args.app.partition(":")[0]
    watch = str(Path(location).resolve().parent) if location.endswith(".py") else os.getcwd()
    uvicorn.run(
        "edgekit.cli.dev:asgi_factory",
        factory=True,
        host=args.host,
        port=args.port,
        reload=args.reload,
        reload_dirs=[watch] if args.reload else None,
        log_level="info",
        access_log=False,  # the budget meter logs each request
    )
    return 0
