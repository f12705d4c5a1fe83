"""``edgekit build --target cloudflare|wasi [APP]``: bundle the app for a deploy target.

``cloudflare`` vendors edgekit into ``python_modules/`` beside ``wrangler.toml``
for a Python Worker (deploy it with ``edgekit deploy``); ``wasi`` builds a
``wasi:http`` component (``dist/app.wasm``; ``--precompile`` also makes a
``.cwasm`` for this machine's wasmtime). Prints the bundle size against the
target's budget; a bundle over budget fails the command.
"""

from __future__ import annotations

from pathlib import Path

from .project import APP_HELP, USAGE, CommandError, app_target, find_config, import_target

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from ..build import BuildResult

TARGETS = ("cloudflare", "wasi")


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("build", help="bundle the app for Cloudflare Workers or WASI", description=__doc__)
    parser.add_argument(
        "app",
        nargs="?",
        help=f"wasi: {APP_HELP}; cloudflare: the Worker entry module (default: main in wrangler.toml)",
    )
    parser.add_argument("--target", required=True, choices=TARGETS, help="where the bundle will run")
    parser.add_argument(
        "-o",
        "--out",
        help="the bundle (default: python_modules/ beside wrangler.toml for cloudflare, dist/app.wasm for wasi)",
    )
    parser.add_argument("--config", help="wrangler.toml (default: beside the app, else ./wrangler.toml)")
    parser.add_argument("--precompile", action="store_true", help="wasi: also precompile for this machine's wasmtime")
    parser.add_argument("--strict", action="store_true", help="wasi: fail when a run-time import cannot be snapshotted")
    parser.add_argument("--env", dest="environment", help="wasi: use the [env.NAME] section of wrangler.toml")
    parser.add_argument("--dev-vars", action="store_true", help="wasi: bake .dev.vars in (local previews only)")
    parser.add_argument("--max-body-bytes", type=int, help="wasi: the largest request body accepted (default: 100 MiB)")
    parser.set_defaults(run=run)


_WASI_ONLY = ("precompile", "strict", "environment", "dev_vars", "max_body_bytes")


def default_out(target: str, config: Path | None) -> Path:
    """Where a target's bundle goes when ``-o`` is not given."""
    if target == "cloudflare":
        return (config.parent if config is not None else Path.cwd()) / "python_modules"
    return Path("dist") / "app.wasm"


def run(args: argparse.Namespace) -> int:
    from ..build import BuildError

    if args.target != "wasi":
        for name in _WASI_ONLY:
            if getattr(args, name) not in (None, False):
                flag = "--env" if name == "environment" else "--" + name.replace("_", "-")
                raise CommandError(f"{flag} goes with --target wasi", USAGE)
    config = find_config(args.app, args.config)
    out = Path(args.out) if args.out else default_out(args.target, config)
    target = import_target("edgekit.build", args.target, "target")
    print(f"edgekit build: {args.app or 'the app'} for {args.target} -> {out}", flush=True)
    try:
        if args.target == "wasi":
            result = target.build(
                app_target(args.app),
                out=out,
                config=config,
                log=_progress,
                precompile=args.precompile,
                strict=args.strict,
                environment=args.environment,
                dev_vars=args.dev_vars,
                max_body_bytes=args.max_body_bytes,
            )
        else:
            result = target.build(args.app or "", out=out, config=config, log=_progress)
    except BuildError as error:
        raise CommandError(str(error)) from None
    print(summary(result))
    return 0 if result.budget_bytes is None or result.size_bytes <= result.budget_bytes else 1


def _progress(line: str) -> None:
    print(f"  {line}", flush=True)


def summary(result: BuildResult) -> str:
    """The last line of a build: where, how big against the budget, how long."""
    size = _human(result.size_bytes)
    if result.budget_bytes is None:
        budget = "no size budget"
    else:
        share = result.size_bytes / result.budget_bytes
        verdict = "within budget" if share <= 1 else "OVER BUDGET: trim the bundle or its dependencies"
        budget = f"{share:.0%} of the {_human(result.budget_bytes)} budget, {verdict}"
    return f"built {result.output}: {size} ({budget}) in {result.seconds:.1f}s"


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
