"""HTTPException: raise it anywhere in a handler to answer with a status."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .response import Response


def reason_phrase(status: int) -> str:
    """The standard reason phrase for a status ("Not Found"), or "" if there is none."""
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class HTTPException(Exception):
    """An error that carries its own HTTP response.

    ``HTTPException(404)`` answers 404 with the reason phrase as a text body;
    ``HTTPException(400, "Malformed JSON in request body")`` uses the message;
    ``HTTPException(401, response=Response(...))`` answers with that response,
    given this exception's status. The App's default error handler turns it
    into its response; a custom ``on_error`` handler can call
    :meth:`get_response` itself.
    """

    def __init__(self, status: int = 500, message: str | None = None, response: Response | None = None) -> None:
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"HTTPException status must be an int from 400 to 599, not {status!r}")
        self.status = status
        self.message = message if message is not None else reason_phrase(status)
        self.response = response
        super().__init__(self.message)

    def get_response(self) -> Response:
        """The response this exception stands for."""
        from .response import Response

        given = self.response
        if given is not None:
            # A fixed body stays fixed (and keeps its length); only a stream is passed on as one.
            body = given.body_bytes if given.body_bytes is not None else given.body
            return Response(body, status=self.status, headers=given.headers)
        return Response.text(self.message, status=self.status)

    def __repr__(self) -> str:
        return f"HTTPException({self.status}, {self.message!r})"
