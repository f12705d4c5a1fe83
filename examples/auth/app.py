"""Sign-up and log-in with JWTs: a session cookie for browsers, a bearer token for API clients.

* ``POST /signup`` ``{"username", "password"}``: stores a salted PBKDF2 hash in KV (201; 409 if taken).
* ``POST /login``: checks the password and answers ``{"token": ...}``, also setting it as the
  ``__Host-session`` cookie (HttpOnly, Secure, SameSite=Lax: scripts cannot read it and other
  sites cannot send it along with their own form posts).
* ``GET /me``: the user of the session cookie (or of a bearer token); ``GET /api/me``: bearer
  tokens only (``Authorization: Bearer <token>``). Both answer 401 for a missing, forged or
  expired token.
* ``POST /logout``: deletes the cookie. Cookie-authenticated writes also pass ``csrf()``.

The signing key is ``c.env.JWT_SECRET`` (``[vars]`` for local runs, a Workers secret in production).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time

from edgekit import App, HTTPException
from edgekit.helpers.cookie import delete_cookie, set_cookie
from edgekit.helpers.jwt import sign
from edgekit.middleware.csrf import csrf
from edgekit.middleware.jwt import jwt
from edgekit.middleware.secure_headers import secure_headers

SESSION_COOKIE = "__Host-session"
TOKEN_SECONDS = 3600
# Few PBKDF2 rounds on purpose: Workers' free plan allows 10 ms of CPU per request.
# With more CPU to spend (a paid plan), raise this; stored hashes record their own count.
PBKDF2_ROUNDS = 2_000
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-.")

app = App()
app.use(secure_headers())


def _hash(password: str, salt: bytes, rounds: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds)


async def _credentials(c) -> tuple[str, str]:
    body = await c.req.json()
    if not isinstance(body, dict):
        raise HTTPException(400, "send a JSON object with username and password")
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not 3 <= len(username) <= 32 or not set(username) <= USERNAME_CHARS:
        raise HTTPException(400, "username: 3 to 32 of a-z, 0-9, _ - .")
    if not isinstance(password, str) or not 8 <= len(password) <= 256:
        raise HTTPException(400, "password: 8 to 256 characters")
    return username, password


@app.post("/signup")
async def signup(c):
    username, password = await _credentials(c)
    key = f"user:{username}"
    if await c.env.USERS.get(key) is not None:
        raise HTTPException(409, f"{username} is taken")
    salt = os.urandom(16)
    record = {"salt": salt.hex(), "rounds": PBKDF2_ROUNDS, "hash": _hash(password, salt, PBKDF2_ROUNDS).hex()}
    await c.env.USERS.put(key, json.dumps(record))
    return c.json({"username": username}, 201)


@app.post("/login")
async def login(c):
    username, password = await _credentials(c)
    record = await c.env.USERS.get(f"user:{username}", type="json")
    # The same work and the same answer whether the user exists or not: no account probing.
    salt, rounds, expected = (
        (bytes.fromhex(record["salt"]), record["rounds"], bytes.fromhex(record["hash"]))
        if record
        else (b"\0" * 16, PBKDF2_ROUNDS, b"")
    )
    if not hmac.compare_digest(_hash(password, salt, rounds), expected):
        raise HTTPException(401, "wrong username or password")
    now = int(time.time())
    token = sign({"sub": username, "iat": now, "exp": now + TOKEN_SECONDS}, c.env.JWT_SECRET)
    set_cookie(c, SESSION_COOKIE, token, secure=True, http_only=True, same_site="Lax", max_age=TOKEN_SECONDS)
    return c.json({"token": token, "expires_in": TOKEN_SECONDS})


def _with_secret(**options):
    """The jwt middleware for the key in ``c.env``, built once per key (env arrives per request)."""
    built = {}

    async def middleware(c, next):
        secret = c.env.JWT_SECRET
        check = built.get(secret)
        if check is None:
            check = built[secret] = jwt(secret=secret, **options)
        await check(c, next)

    return middleware


app.use("/me", _with_secret(cookie=SESSION_COOKIE))
app.use("/logout", csrf())
app.use("/api/*", _with_secret())


@app.get("/me")
def me(c):
    return {"username": c.get("jwt_payload")["sub"]}


@app.get("/api/me")
def api_me(c):
    return {"username": c.get("jwt_payload")["sub"]}


@app.post("/logout")
def logout(c):
    delete_cookie(c, SESSION_COOKIE, path="/")
    return c.body(None, 204)
