"""The hello example as a Python Worker: ``main = "examples/hello/worker.py"`` in a wrangler.toml.

Workers imports this file and looks for ``Default``; ``app.py`` beside it is uploaded with it.
"""

from app import app

from edgekit.runtime.cloudflare import worker_entrypoint

Default = worker_entrypoint(app)
