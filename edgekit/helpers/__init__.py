"""Helpers: cookies, streaming, validation, JWT and more, one module per concern.

Nothing is re-exported here, so importing one helper never costs the others:

- :mod:`edgekit.helpers.cookie`: ``get_cookie``, ``set_cookie``, ``delete_cookie``, signed cookies (HMAC-SHA256)
- :mod:`edgekit.helpers.streaming`: ``stream``, ``stream_text``, ``stream_sse`` (server-sent events)
- :mod:`edgekit.helpers.validator`: ``validator(target, schema)`` and ``valid(c, target)``
- :mod:`edgekit.helpers.html`: ``escape``, ``html`` templates, ``raw``
- :mod:`edgekit.helpers.accepts`: content negotiation with ``accepts``
- :mod:`edgekit.helpers.jwt`: ``sign``, ``verify`` and ``decode`` JSON Web Tokens (HS256/384/512)

The OpenAPI document generator is :mod:`edgekit.openapi`.
"""
