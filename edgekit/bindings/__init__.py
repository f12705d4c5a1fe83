"""KV and D1 bindings: one Python API; local SQLite stores; wrappers for the Workers bindings.

Import the module you need (``edgekit.bindings.kv``, ``edgekit.bindings.d1``,
``edgekit.bindings.cloudflare``): this package imports nothing, so the core never pulls in
``sqlite3`` and KV never pulls in D1.  The API both implementations share lives in
``kv_api`` and ``d1_api``, which import no ``sqlite3``: the Workers wrappers need only those.
"""
