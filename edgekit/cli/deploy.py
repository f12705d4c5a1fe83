"""``edgekit deploy``: publish the Worker with ``npx wrangler deploy``, from the project's folder.

Build first (``edgekit build --target cloudflare``): a Python Worker loads
edgekit from ``python_modules/``. wrangler comes from the project's
``node_modules`` (``npm install --save-dev wrangler``); it is never downloaded
on the fly. Deploying needs a Cloudflare account (``npx wrangler login``, or
``CLOUDFLARE_API_TOKEN`` in CI) and the internet; when one is missing the
command says so and exits 1. Arguments after ``--`` go to wrangler as they are.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from .project import CommandError, require_config

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

# What wrangler (or npx) prints for each way a deploy cannot start, and what to do about it.
_DIAGNOSES = (
    (
        ("could not determine executable to run", "missing packages", "not found: wrangler", "command not found"),
        "wrangler is not installed in this project: run `npm install --save-dev wrangler`, then deploy again",
    ),
    (
        ("not logged in", "not authenticated", "cloudflare_api_token", "authentication error", "invalid api token"),
        "wrangler is not logged in to Cloudflare: run `npx wrangler login` "
        "(or set CLOUDFLARE_API_TOKEN in CI), then deploy again",
    ),
    (
        ("enotfound", "eai_again", "getaddrinfo", "fetch failed", "econnrefused", "etimedout", "network", "offline"),
        "wrangler cannot reach Cloudflare: check your internet connection (and proxy settings), then deploy again",
    ),
)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("deploy", help="publish to Cloudflare with npx wrangler deploy", description=__doc__)
    parser.add_argument("--config", help="wrangler.toml (default: ./wrangler.toml)")
    parser.add_argument("--env", dest="environment", help="deploy the [env.NAME] section of wrangler.toml")
    parser.add_argument("--dry-run", action="store_true", help="bundle and check, but do not upload")
    parser.add_argument("wrangler_args", nargs="*", metavar="-- WRANGLER_ARGS", help="passed to wrangler deploy")
    parser.set_defaults(run=run)


def diagnose(output: str) -> str | None:
    """What went wrong, judged from wrangler's output, or None when it is not a known cause."""
    lowered = output.lower()
    for markers, advice in _DIAGNOSES:
        if any(marker in lowered for marker in markers):
            return advice
    return None


def run(args: argparse.Namespace) -> int:
    config = require_config(args.config)
    npx = shutil.which("npx")
    if npx is None:
        raise CommandError("npx is not on PATH: install Node.js 20 or newer (it comes with npx), then deploy again")
    command = [npx, "--no-install", "wrangler", "deploy", "--config", str(config)]
    if args.environment:
        command += ["--env", args.environment]
    if args.dry_run:
        command.append("--dry-run")
    command += args.wrangler_args
    print(f"edgekit deploy: {' '.join(command[1:])} (in {config.parent})", flush=True)
    output = []
    with subprocess.Popen(
        command, cwd=config.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            # Shown as it comes (uploads take a while), kept to tell what went wrong.
            sys.stdout.write(line)
            sys.stdout.flush()
            output.append(line)
    if process.returncode == 0:
        return 0
    advice = diagnose("".join(output))
    raise CommandError(advice or f"wrangler deploy failed (exit code {process.returncode}); see its output above")
