"""The e2e app behind the module-level ``on_fetch`` entry (flag ``disable_python_no_global_handlers``)."""

from worker import app

from edgekit.runtime.cloudflare import make_on_fetch

on_fetch = make_on_fetch(app)
