"""edgekit: a Hono-style micro web framework for edge and WebAssembly runtimes.

One App runs unchanged on Cloudflare Python Workers (Pyodide), WASI HTTP
hosts (wasmtime) and CPython. The core is pure Python with no required
dependency.
"""

from .app import App
from .context import Context
from .execution_context import ExecutionContext
from .headers import Headers
from .http_exception import HTTPException
from .request import Request
from .response import Response
from .url import URL, URLSearchParams

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .formdata import File, FormData

__version__ = "0.1.0"

__all__ = [
    "URL",
    "App",
    "Context",
    "ExecutionContext",
    "File",
    "FormData",
    "HTTPException",
    "Headers",
    "Request",
    "Response",
    "URLSearchParams",
]


def __getattr__(name: str) -> object:
    # Forms are loaded on first use: most apps never parse one, and every import is start-up time.
    if name in ("File", "FormData"):
        from . import formdata

        return getattr(formdata, name)
    raise AttributeError(f"module 'edgekit' has no attribute {name!r}")
