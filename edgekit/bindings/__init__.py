"""KV and D1 bindings: one Python API; local SQLite stores; Workers wrappers come later.

Import the module you need (``edgekit.bindings.kv``, ``edgekit.bindings.d1``): this package
imports nothing, so the core never pulls in ``sqlite3`` and KV never pulls in D1.
"""
