"""Server-sent events: a clock that streams ticks to the browser."""
