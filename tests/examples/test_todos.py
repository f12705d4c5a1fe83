"""The todo example on in-memory KV and D1 built from its own wrangler.toml."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from edgekit.bindings.local_env import load_env
from examples.todos.app import app

CONFIG = Path(__file__).resolve().parents[2] / "examples" / "todos" / "wrangler.toml"


@pytest.fixture
def env():
    env = asyncio.run(load_env(CONFIG, state_dir=None))
    yield env
    env.close()


def call(env, path: str, **kwargs):
    async def go():
        res = await app.request(path, env=env, **kwargs)
        return res, await res.text()

    res, text = asyncio.run(go())
    return res, (json.loads(text) if text and res.headers.get("content-type") == "application/json" else text)


def test_create_list_update_delete(env):
    res, body = call(env, "/todos", method="POST", json={"title": "  write tests "})
    assert res.status == 201 and body["title"] == "write tests" and body["done"] is False
    assert res.headers.get("location") == f"/todos/{body['id']}"
    res, listed = call(env, "/todos")
    assert (res.headers.get("x-cache"), [t["title"] for t in listed["todos"]]) == ("miss", ["write tests"])
    assert call(env, "/todos")[0].headers.get("x-cache") == "hit"
    res, body = call(env, f"/todos/{body['id']}", method="PATCH", json={"done": True})
    assert body["done"] is True
    res, listed = call(env, "/todos")
    assert res.headers.get("x-cache") == "miss" and listed["todos"][0]["done"] is True
    assert call(env, f"/todos/{body['id']}", method="DELETE")[0].status == 204
    assert call(env, f"/todos/{body['id']}")[0].status == 404


@pytest.mark.parametrize(
    ("payload", "message"),
    [({"title": ""}, "title must be"), ({"title": "x" * 201}, "title must be"), ([1], "JSON object"),
     ({"title": "ok", "done": "yes"}, "done must be")],
)
def test_bad_input_is_a_400_that_says_why(env, payload, message):
    res, body = call(env, "/todos", method="POST", json=payload)
    assert res.status == 400 and message in body


def test_malformed_json_and_unknown_ids(env):
    res, body = call(env, "/todos", method="POST", body="{", headers={"content-type": "application/json"})
    assert res.status == 400 and "Malformed JSON" in body
    assert call(env, "/todos/99")[0].status == 404
    assert call(env, "/todos/abc")[0].status == 404
    assert call(env, "/todos/1", method="PATCH", json={})[0].status in (400, 404)


def test_home_reads_vars(env):
    assert call(env, "/")[1]["app"] == "edgekit todos"
