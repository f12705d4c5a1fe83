"""HTML escaping and the escaping template helper."""

from __future__ import annotations

import pytest

from edgekit import App
from edgekit.helpers.html import Raw, escape, html, raw
from tests.conftest import run


def test_escape_covers_the_five_characters():
    assert (
        escape("<a href=\"x\" title='y'>&amp;</a>")
        == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
    )
    assert escape(42) == "42"
    assert escape("plain") == "plain"


def test_html_escapes_values_but_not_the_template():
    out = html("<p class='{cls}'>{name}</p>", cls="a' onclick='x", name="<script>alert(1)</script>")
    assert out == "<p class='a&#39; onclick=&#39;x'>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert isinstance(out, Raw)


def test_raw_and_nested_fragments_are_not_escaped_twice():
    item = html("<li>{}</li>", "a&b")
    page = html("<ul>{items}</ul>{footer}", items=[item, html("<li>{}</li>", "<c>")], footer=raw("<hr>"))
    assert page == "<ul><li>a&amp;b</li><li>&lt;c&gt;</li></ul><hr>"


def test_none_list_and_format_spec():
    assert html("[{a}][{b:>3}]", a=None, b=7) == "[][  7]"
    assert html("{0}{1}", "<", ("&", raw("<b>"))) == "&lt;&amp;<b>"


def test_bad_use_raises_clear_errors():
    with pytest.raises(KeyError):
        html("{missing}")
    with pytest.raises(TypeError, match="str template"):
        html(b"<p>")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="raw"):
        raw(1)  # type: ignore[arg-type]


def test_through_an_app():
    app = App()

    @app.get("/hi/:name")
    def hi(c):
        return c.html(html("<h1>Hi {}</h1>", c.req.param("name")))

    res = run(app.request("/hi/%3Cb%3E"))
    assert res.headers.get("content-type") == "text/html; charset=UTF-8"
    assert run(res.text()) == "<h1>Hi &lt;b&gt;</h1>"
