"""A URL shortener on Workers KV: links that expire, custom slugs, no open redirect to scripts.

Run it:  python -m edgekit dev examples/shortener/app.py   (KV from wrangler.toml beside this file)

    POST /links        {"url": "https://...", "slug": "optional-custom", "ttl": seconds}
                       -> 201 {"slug", "url", "short_url", "expires_in"}
    GET  /links/:slug  -> {"slug", "url"} (404 once expired)
    GET  /:slug        -> 302 to the URL (404 once expired)

Links are KV entries ``link:<slug>`` written with ``expiration_ttl``: KV drops them
when their time is up (at least 60 seconds, KV's minimum). Only absolute http and
https URLs without credentials are accepted, so a short link can never run a
``javascript:`` or ``data:`` URL in the visitor's browser; the target is checked
again before every redirect. KV is eventually consistent: two people claiming the
same custom slug within a minute, from different places, may both be told it is
theirs (use a Durable Object or D1 when that matters).
"""

from __future__ import annotations

import re
import secrets

from edgekit import URL, App, HTTPException

app = App()

DEFAULT_TTL = 7 * 24 * 3600  # a week
MIN_TTL = 60  # KV's minimum expiration_ttl
MAX_TTL = 365 * 24 * 3600
MAX_URL = 2048
SLUG = re.compile(r"[A-Za-z0-9_-]{3,32}")
RESERVED = frozenset(("links", "api", "admin", "static", "favicon.ico"))
GENERATED_LENGTH = 7
ATTEMPTS = 5


def key(slug: str) -> str:
    return f"link:{slug}"


def safe_target(raw: object) -> str:
    """``raw`` as a URL a redirect may point to; HTTPException(400) saying why not."""
    if not isinstance(raw, str) or not raw.strip():
        raise HTTPException(400, "url must be a non-empty string")
    if len(raw) > MAX_URL:
        raise HTTPException(400, f"url must be at most {MAX_URL} characters")
    try:
        url = URL(raw.strip())
    except ValueError:
        raise HTTPException(400, "url must be an absolute URL, like https://example.com/page") from None
    if url.protocol not in ("http:", "https:"):
        raise HTTPException(400, f"url must be an http or https URL, not {url.protocol}")
    if not url.hostname:
        raise HTTPException(400, "url must name a host")
    if url.username or url.password:
        raise HTTPException(400, "url must not contain a user name or password")
    return url.href


def ttl_of(raw: object) -> int:
    if raw is None:
        return DEFAULT_TTL
    if not isinstance(raw, int) or isinstance(raw, bool) or not MIN_TTL <= raw <= MAX_TTL:
        raise HTTPException(400, f"ttl must be a whole number of seconds from {MIN_TTL} to {MAX_TTL}")
    return raw


async def claim_slug(c, custom: object) -> str:
    """The slug for a new link: the custom one if it is valid and free, else a fresh random one."""
    kv = c.env.LINKS
    if custom is not None:
        if not isinstance(custom, str) or not SLUG.fullmatch(custom):
            raise HTTPException(400, "slug must be 3 to 32 letters, digits, '-' or '_'")
        if custom.lower() in RESERVED:
            raise HTTPException(400, f"slug {custom!r} is reserved")
        if await kv.get(key(custom)) is not None:
            raise HTTPException(409, f"slug {custom!r} is taken")
        return custom
    for _ in range(ATTEMPTS):
        slug = secrets.token_urlsafe(GENERATED_LENGTH)[:GENERATED_LENGTH]
        if slug.lower() not in RESERVED and await kv.get(key(slug)) is None:
            return slug
    raise HTTPException(503, "could not find a free slug; try again")


@app.get("/")
def home(c):
    return {"usage": 'POST /links {"url": "https://...", "slug": "optional", "ttl": 3600}, then GET /<slug>'}


@app.post("/links")
async def create_link(c):
    data = await c.req.json()
    if not isinstance(data, dict):
        raise HTTPException(400, 'send a JSON object: {"url": "https://..."}')
    target = safe_target(data.get("url"))
    ttl = ttl_of(data.get("ttl"))
    slug = await claim_slug(c, data.get("slug"))
    await c.env.LINKS.put(key(slug), target, expiration_ttl=ttl)
    origin = c.req.raw.url_object.origin
    return c.json(
        {"slug": slug, "url": target, "short_url": f"{origin}/{slug}", "expires_in": ttl},
        201,
        {"location": f"/links/{slug}"},
    )


async def stored_target(c) -> str:
    slug = c.req.param("slug")
    target = await c.env.LINKS.get(key(slug))
    if target is None:
        raise HTTPException(404, f"no link {slug!r} (it may have expired)")
    # Checked again: whatever wrote this KV entry, a redirect never points at a script.
    try:
        return safe_target(target)
    except HTTPException:
        raise HTTPException(404, f"link {slug!r} does not point at a web page") from None


@app.get("/links/:slug")
async def link_info(c):
    return {"slug": c.req.param("slug"), "url": await stored_target(c)}


@app.get("/:slug")
async def follow(c):
    return c.redirect(await stored_target(c), 302)
