"""Local previews on the production runtimes: ``pyodide`` (the Workers runtime on Node,
bindings on miniflare's simulators) and ``wasi`` (the component under ``wasmtime serve``).

Each runtime is one module with a ``serve(...)`` function that blocks until stopped;
``edgekit dev --runtime NAME`` calls it. The CPython preview lives in ``edgekit.cli.dev``.
"""
