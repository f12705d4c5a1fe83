"""The todo example as a Python Worker: the entry module that ``main`` in wrangler.toml names.

Workers imports this file and looks for ``Default``; the modules beside it (``app.py``) are
uploaded with it, and edgekit comes from ``python_modules/`` (``edgekit build --target cloudflare``).
"""

from app import app

from edgekit.runtime.cloudflare import worker_entrypoint

Default = worker_entrypoint(app)
