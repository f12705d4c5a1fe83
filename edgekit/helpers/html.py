"""HTML escaping: :func:`escape`, and :func:`html`, a template helper that escapes what it interpolates.

```python
from edgekit.helpers.html import html, raw

name = "<script>alert(1)</script>"
page = html("<h1>Hello {name}</h1>{footer}", name=name, footer=raw("<footer>ok</footer>"))
return c.html(page)   # <h1>Hello &lt;script&gt;alert(1)&lt;/script&gt;</h1><footer>ok</footer>
```

The template uses :meth:`str.format` fields and is trusted markup (write it in code,
never build it from input); every value put into it is escaped unless it is wrapped in
:func:`raw` or is itself the result of :func:`html`, so fragments compose without being
escaped twice. A list or tuple value is the concatenation of its items, each escaped
the same way (handy for rows built in a loop).
"""

from __future__ import annotations

import string

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


class Raw(str):
    """A string that is already HTML: :func:`html` inserts it as it is."""

    __slots__ = ()


def raw(markup: str) -> Raw:
    """Mark ``markup`` as trusted HTML, inserted by :func:`html` without escaping."""
    if not isinstance(markup, str):
        raise TypeError(f"raw() takes a str, not {type(markup).__name__}")
    return Raw(markup)


def escape(value: object) -> str:
    """``value`` as text safe inside HTML content and quoted attributes.

    ``&``, ``<``, ``>``, ``"`` and ``'`` become character references; anything
    that is not a ``str`` is converted with ``str()`` first.
    """
    text = value if isinstance(value, str) else str(value)
    return text.translate(_ESCAPES)


class _EscapingFormatter(string.Formatter):
    """str.format, with every replacement field escaped unless it is :class:`Raw`."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, (list, tuple)):
            return "".join(self.format_field(item, format_spec) for item in value)
        if value is None:
            return ""
        text = format(value, format_spec)
        return text if isinstance(value, Raw) else escape(text)


_FORMATTER = _EscapingFormatter()


def html(template: str, /, *args: Any, **kwargs: Any) -> Raw:
    """Fill ``template`` (``str.format`` syntax) with escaped values; returns :class:`Raw` markup.

    ``None`` renders as nothing; lists and tuples render item by item. A field
    that names no argument raises KeyError or IndexError, as ``str.format`` does.
    """
    if not isinstance(template, str):
        raise TypeError(f"html() takes a str template, not {type(template).__name__}")
    return Raw(_FORMATTER.vformat(template, args, kwargs))
