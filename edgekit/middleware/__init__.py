"""Middleware: one module per concern, each a factory returning ``async def mw(c, next)``.

Import each from its own module (``from edgekit.middleware.cors import cors``): nothing
is re-exported here, so using one middleware never pays for importing the others.

Security and auth (guide: ``docs/security.md``):

- ``cors``: Cross-Origin Resource Sharing headers and preflight answers
- ``csrf``: refuse cross-site form submissions (``Origin`` / ``Sec-Fetch-Site``)
- ``secure_headers``: security response headers, Content-Security-Policy with nonces
- ``basic_auth``: HTTP Basic authentication
- ``bearer_auth``: bearer tokens (RFC 6750)
- ``jwt``: HMAC-signed JSON Web Tokens (helpers in ``edgekit.helpers.jwt``)
- ``ip_restriction``: allow and deny lists of IP addresses and CIDRs
- ``body_limit``: refuse request bodies over a size, without reading past it

Requests and responses (guide: ``docs/middleware.md``):

- ``logger``: one line per request and per response
- ``request_id``: one identifier per request
- ``timing``: Server-Timing metrics
- ``timeout``: cancel a slow handler and answer 504
- ``etag``: entity tags and ``304 Not Modified``
- ``cache``: Cache-Control helpers and a response cache
- ``compress``: gzip or deflate response bodies
- ``pretty_json``: indented JSON on request
- ``powered_by``: an ``X-Powered-By`` header
- ``method_override``: PUT, PATCH and DELETE from HTML forms
- ``trailing_slash``: one canonical URL per page, with or without the trailing slash
"""
