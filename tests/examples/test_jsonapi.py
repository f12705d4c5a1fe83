"""The JSON API example through the TestClient: CRUD, validation, JSON errors."""

from __future__ import annotations

import pytest

from edgekit.testing import TestClient
from examples.jsonapi.app import create_app

DUNE = {"title": "Dune", "author": "Frank Herbert", "year": 1965}


@pytest.fixture
def api():
    with TestClient(create_app()) as client:
        yield client


def test_create_read_replace_patch_delete(api: TestClient) -> None:
    res = api.post("/books", json=DUNE)
    assert res.status_code == 201 and res.headers["location"] == "/books/1"
    assert res.json() == {"id": 1, **DUNE}
    assert api.get("/books/1").json() == {"id": 1, **DUNE}
    replaced = api.put("/books/1", json={"title": "Dune Messiah", "author": "Frank Herbert", "year": 1969}).json()
    assert replaced == {"id": 1, "title": "Dune Messiah", "author": "Frank Herbert", "year": 1969}
    assert api.patch("/books/1", json={"year": 1970}).json()["year"] == 1970
    assert api.delete("/books/1").status_code == 204
    res = api.get("/books/1")
    assert (res.status_code, res.json()) == (404, {"error": "no book 1"})


def test_list_filters_and_pages(api: TestClient) -> None:
    for n in range(5):
        api.post("/books", json={**DUNE, "title": f"Book {n}", "author": "A" if n % 2 else "B"})
    assert api.get("/books").json()["total"] == 5
    page = api.get("/books", params={"author": "a", "limit": 1, "offset": 1}).json()
    assert (page["total"], [b["title"] for b in page["books"]]) == (2, ["Book 3"])
    res = api.get("/books", params={"limit": "many"})
    assert res.status_code == 400 and "limit must be" in res.json()["error"]
    assert api.get("/books", params={"limit": 101}).status_code == 400


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([DUNE], "send a JSON object"),
        ({"title": "x"}, "missing field(s): author, year"),
        ({**DUNE, "isbn": "1"}, "unknown field(s): isbn"),
        ({**DUNE, "year": "1965"}, "year must be a whole number"),
        ({**DUNE, "year": True}, "year must be a whole number"),
        ({**DUNE, "year": 1965.5}, "year must be a whole number"),
        ({**DUNE, "year": 99999}, "year must be between"),
        ({**DUNE, "title": "   "}, "title must have 1 to 200 characters"),
        ({**DUNE, "title": "x" * 201}, "title must have 1 to 200 characters"),
        ({**DUNE, "author": None}, "author must be a string"),
    ],
)
def test_bad_books_are_400_with_a_reason(api: TestClient, payload: object, message: str) -> None:
    res = api.post("/books", json=payload)
    assert res.status_code == 400 and message in res.json()["error"]
    assert api.get("/books").json()["total"] == 0


def test_patch_needs_something_and_malformed_json_is_400(api: TestClient) -> None:
    api.post("/books", json=DUNE)
    res = api.patch("/books/1", json={})
    assert (res.status_code, res.json()["error"]) == (400, "nothing to change: send at least one field")
    res = api.post("/books", content=b"{not json", headers={"content-type": "application/json"})
    assert res.status_code == 400 and "Malformed JSON" in res.json()["error"]


def test_unknown_routes_and_ids_are_json_404s(api: TestClient) -> None:
    res = api.get("/authors")
    assert (res.status_code, res.json()) == (404, {"error": "no route for GET /authors"})
    assert api.get("/books/abc").status_code == 404
    assert api.delete("/books/7").json() == {"error": "no book 7"}


def test_an_unexpected_error_is_a_json_500(capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app()

    @app.get("/crash")
    def crash(c):
        raise KeyError("secret detail")

    with TestClient(app) as client:
        res = client.get("/crash")
    assert (res.status_code, res.json()) == (500, {"error": "internal error"})
    assert "secret detail" in capsys.readouterr().err
