"""The core's size, as a bare app sees it: run in a fresh interpreter, it serves a GET
with a path param and a JSON POST, then prints the bytes of edgekit source it loaded
followed by the names of those modules.

``bench/size.py`` reports the figure; ``tests/test_import_budget.py`` keeps it under
its budget.
"""

import asyncio
import os
import sys

from edgekit import App

app = App()
app.get("/users/:id")(lambda c: c.json({"id": c.req.param("id")}))


@app.post("/echo")
async def echo(c):  # noqa: ANN001, ANN201
    return c.json(await c.req.json())


async def main() -> None:
    await (await app.request("/users/1")).text()
    await (await app.request("/echo", method="POST", json={"a": 1})).text()


if __name__ == "__main__":
    asyncio.run(main())
    loaded = sorted(name for name in sys.modules if name.split(".")[0] == "edgekit")
    print(sum(os.path.getsize(sys.modules[name].__file__) for name in loaded), *loaded)
