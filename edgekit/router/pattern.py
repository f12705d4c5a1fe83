"""The route pattern language, parsed once and shared by every router.

A pattern is Hono's path syntax: ``/static``, ``/:name`` (one non-empty
segment), ``/:name{regex}`` (a regular expression, which may span ``/``),
``/:name?`` (optional, only as the last segments), ``*`` as a whole middle
segment (exactly one segment, possibly empty), ``/prefix/*`` at the end (the
prefix itself and anything below it) and ``*`` inside a segment (``/star*``:
anything, ``/p*q``: at least one character within the segment).

The meaning of a pattern is defined here, once: :meth:`Pattern.match` is the
truth every router must agree with. Routers only differ in how quickly they
find the patterns that match.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from re import Pattern as CompiledRegex

LITERAL = 0
PARAM = 1  # ":name": one non-empty segment
STAR = 2  # "*" in the middle: one segment, possibly empty
REGEX = 3  # ":name{re}": a user regex, which may span "/"
GLOB = 4  # "*" inside a segment

_PARAM_RE = "[^/]+"
_STAR_RE = "[^/]*"
# Wildcards reach over any character, newlines included (a decoded %0A), as Hono's do;
# a user's own ``.`` keeps Python's default, which like JavaScript's stops at a newline.
_ANY_RE = "(?s:.*)"
TAIL_RE = "(?:/" + _ANY_RE + ")?"


class Token:
    """One segment of a pattern: its kind, its text or param name, and its regex."""

    __slots__ = ("kind", "text", "name", "regex")

    def __init__(self, kind: int, text: str, name: str | None, regex: str) -> None:
        self.kind = kind
        self.text = text
        self.name = name
        self.regex = regex

    @property
    def opaque(self) -> bool:
        """True when the token's language cannot be reasoned about segment by segment."""
        return self.kind >= REGEX

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r})"


class Pattern:
    """A parsed route path (one alternative, optional params already expanded).

    ``tokens`` are the segments after the leading ``/``; ``tail`` is true when
    the pattern ends in ``/*`` (the tokens are then the prefix). ``regex`` is
    the anchored regular expression source whose groups are, in order, the
    values of the non-literal tokens.
    """

    __slots__ = ("source", "tokens", "tail", "names", "regex", "is_static", "opaque", "_compiled")

    def __init__(self, source: str, tokens: list[Token], tail: bool) -> None:
        self.source = source
        self.tokens = tokens
        self.tail = tail
        self.names = [t.name for t in tokens if t.kind != LITERAL]
        self.regex = "".join("/" + (t.regex if t.kind == LITERAL else f"({t.regex})") for t in tokens)
        if tail:
            self.regex += TAIL_RE
        self.is_static = not tail and all(t.kind == LITERAL for t in tokens)
        self.opaque = any(t.opaque for t in tokens)
        self._compiled: CompiledRegex[str] | None = None

    def compiled(self) -> CompiledRegex[str]:
        """The pattern's own regex, compiled on first use."""
        if self._compiled is None:
            import re

            self._compiled = re.compile(self.regex + r"\Z")
        return self._compiled

    def match(self, path: str) -> dict[str, str] | None:
        """The raw (still percent-encoded) params when ``path`` matches, else None.

        When a name repeats (``/:x/:x``) the first value wins, as in Hono.
        Patterns made of whole segments are matched segment by segment, so
        building a router does not pay for compiling every route's regex.
        """
        if self.is_static:
            return {} if path == self.source else None
        if self.opaque:
            m = self.compiled().match(path)
            return None if m is None else bind_params(self.names, m.groups())
        segments = path[1:].split("/")
        tokens = self.tokens
        if len(segments) != len(tokens) and not (self.tail and len(segments) >= len(tokens)):
            return None
        values: list[str] = []
        for token, segment in zip(tokens, segments):
            kind = token.kind
            if kind == LITERAL:
                if segment != token.text:
                    return None
            elif kind == PARAM and not segment:
                return None
            else:
                values.append(segment)
        return bind_params(self.names, values)

    @property
    def key(self) -> str:
        """Two patterns with the same key match exactly the same paths."""
        return self.regex

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"


def bind_params(names: list[str | None], values: tuple[str | None, ...] | list[str]) -> dict[str, str]:
    """Pair param names with captured values; unnamed captures (``*``) are skipped."""
    params: dict[str, str] = {}
    for name, value in zip(names, values):
        if name is not None and name not in params and value is not None:
            params[name] = value
    return params


def parse(path: str) -> list[Pattern]:
    """Parse a route path into its alternatives (more than one for optional params).

    Raises ValueError, naming the path, for a regex that Python cannot compile
    or that uses back-references.
    """
    if not path.startswith("/"):
        path = "/" + path
    return [_parse_one(p, path) for p in _expand_optional(path)]


def _expand_optional(path: str) -> list[str]:
    """Hono's rule: a path ending in ``?`` with params lists each optional prefix."""
    if not path.endswith("?") or ":" not in path:
        return [path]
    results: list[str] = []
    base = ""
    for segment in _split(path):
        if ":" not in segment:
            if segment:
                base += "/" + segment
            continue
        if "?" in segment:
            results.append(base or "/")
            base += "/" + segment.replace("?", "", 1)
            results.append(base)
        else:
            base += "/" + segment
    return list(dict.fromkeys(results))


def _split(path: str) -> list[str]:
    """Split on ``/`` except inside ``{...}`` (a regex may contain slashes)."""
    segments: list[str] = []
    depth = 0
    start = 1
    for i in range(1, len(path)):
        ch = path[i]
        if ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == "/" and not depth:
            segments.append(path[start:i])
            start = i + 1
    segments.append(path[start:])
    return segments


def _parse_one(path: str, original: str) -> Pattern:
    segments = _split(path)
    tail = segments[-1] == "*"
    if tail:
        segments.pop()
    last = len(segments) - 1
    tokens = [_token(s, original, i == last and not tail) for i, s in enumerate(segments)]
    return Pattern(path, tokens, tail)


def _token(segment: str, path: str, last: bool) -> Token:
    if segment == "*":
        return Token(STAR, segment, None, _STAR_RE)
    if segment.startswith(":") and len(segment) > 1:
        brace = segment.find("{")
        if brace > 1 and segment.endswith("}"):
            name = segment[1:brace]
            return Token(REGEX, segment, name, _user_regex(segment[brace + 1 : -1], path))
        if "{" not in segment and "}" not in segment:
            return Token(PARAM, segment, segment[1:], _PARAM_RE)
    if "*" in segment:
        import re

        pieces = [re.escape(p) for p in segment.split("*")]
        # As Hono's default router: "/star*" at the end reaches below the segment
        # (and matches "/star"); "/p*q" needs at least one character in between.
        if last and segment.endswith("*"):
            regex = _PARAM_RE.join(pieces[:-1]) + _ANY_RE
        else:
            regex = _PARAM_RE.join(pieces)
        return Token(GLOB, segment, None, regex)
    import re

    return Token(LITERAL, segment, None, re.escape(segment))


def _user_regex(source: str, path: str) -> str:
    """Make a user regex safe to embed: its groups become non-capturing.

    Params are found by group position, so a user's own capturing group would
    shift them; back-references cannot survive that rewrite and are refused.
    """
    import re

    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        ch = source[i]
        if ch == "\\":
            nxt = source[i + 1 : i + 2]
            if nxt.isdigit() and nxt != "0" and not in_class or nxt == "k":
                raise ValueError(f"route {path!r}: back-references are not supported in a param regex")
            out.append(source[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if source[i + 1 : i + 2] == "]":
                out.append("[]")
                i += 2
                continue
        elif ch == "(":
            if source.startswith("(?(", i):
                raise ValueError(f"route {path!r}: conditional groups are not supported in a param regex")
            if source[i + 1 : i + 2] == "?" and source[i + 2 : i + 3].isalpha() and source[i + 2 : i + 3] != "P":
                if ":" not in source[i : source.find(")", i) + 1]:
                    raise ValueError(
                        f"route {path!r}: global inline flags cannot be embedded; scope them, as in (?i:abc)"
                    )
            if source.startswith("(?P<", i) or source.startswith("(?<", i) and source[i + 3 : i + 4] not in ("=", "!"):
                end = source.index(">", i)
                out.append("(?:")
                i = end + 1
                continue
            if source[i + 1 : i + 2] != "?":
                out.append("(?:")
                i += 1
                continue
        out.append(ch)
        i += 1
    regex = "".join(out)
    try:
        re.compile(regex)
    except re.error as exc:
        raise ValueError(f"route {path!r}: invalid param regex {source!r}: {exc}") from None
    return regex
