#!/usr/bin/env node
// The offline stand-in for `wrangler dev` for a Python Worker: what workerd does at the
// Python entry, in Node with the Workers Python runtime (npm pyodide 0.28.2) and
// Cloudflare's own KV, D1 and Cache simulators (npm miniflare).
//
//   node pyodide_host.mjs SPEC.json
//
// SPEC (written by edgekit/preview/pyodide.py from wrangler.toml):
//   node_modules  folder holding pyodide/ and miniflare/
//   main          the Worker's entry module (a .py file); its folder goes first on sys.path,
//                 as wrangler uploads every module under it
//   app_name      the App served when main has neither Default nor on_fetch
//   package       the edgekit package folder to import (the live source)
//   vendor        python_modules/ beside wrangler.toml, or null
//   vars, kv: [{binding, id}], d1: [{binding, id, table, migrations: [{name, statements}]}]
//   state         persistence root (like .wrangler/state), or null for in-memory stores
//   host, port    where to listen (port 0: any free port)
//   bench         null, or {requests} to measure in-process instead of serving
//
// Host folders are mounted read-through (NODEFS) under /session; bytecode is never
// written into them. Each HTTP request becomes a JS Request handed to `Default(ctx,
// env).fetch(request)` (or `on_fetch(request, env, ctx)`), with `env` holding the
// miniflare bindings and vars and `ctx.waitUntil` keeping the work tracked; the JS
// Response streams back to the client. Stdout gets one line when ready:
//   edgekit-pyodide ready http://HOST:PORT
// Everything else (timings, Python output, waitUntil failures) goes to stderr.

import http from "node:http";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const SESSION = "/session";

function log(line) {
  process.stderr.write(`${line}\n`);
}

function mount(pyodide, at, hostPath) {
  pyodide.FS.mkdirTree(at);
  pyodide.mountNodeFS(at, hostPath);
}

async function startMiniflare(spec, nodeModules) {
  const miniflare = createRequire(join(nodeModules, "noop.js"))("miniflare");
  // The Fetch classes of miniflare's own undici, as workerd has one set: the Cache
  // simulator takes only its own Response, and the entry sees the same classes.
  for (const name of ["Request", "Response", "Headers"]) globalThis[name] = miniflare[name];
  const { Miniflare } = miniflare;
  const persist = spec.state !== null;
  if (persist) mkdirSync(join(spec.state, "v3"), { recursive: true });
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('edgekit pyodide preview') } }",
    compatibilityDate: "2026-04-26",
    kvNamespaces: Object.fromEntries(spec.kv.map((k) => [k.binding, k.id])),
    d1Databases: Object.fromEntries(spec.d1.map((d) => [d.binding, d.id])),
    defaultPersistRoot: persist ? join(spec.state, "v3") : undefined,
    kvPersist: persist,
    d1Persist: persist,
    cachePersist: persist,
  });
  await mf.ready;
  return mf;
}

async function startPython(spec, mf, nodeModules) {
  const { loadPyodide } = await import(pathToFileURL(join(nodeModules, "pyodide", "pyodide.mjs")).href);
  const t0 = performance.now();
  const pyodide = await loadPyodide({
    stdout: (line) => log(`[py] ${line}`),
    stderr: (line) => log(`[py] ${line}`),
  });
  log(`pyodide ${pyodide.version} loaded in ${(performance.now() - t0).toFixed(0)} ms`);
  pyodide.runPython("import sys; sys.dont_write_bytecode = True");
  mount(pyodide, `${SESSION}/main`, dirname(spec.main));
  mount(pyodide, `${SESSION}/lib/edgekit`, spec.package);
  const path = [`${SESSION}/main`, `${SESSION}/lib`];
  if (spec.vendor) {
    mount(pyodide, `${SESSION}/vendor`, spec.vendor);
    path.push(`${SESSION}/vendor`);
  }
  pyodide.FS.mkdirTree(`${SESSION}/sdk`);
  pyodide.FS.writeFile(`${SESSION}/sdk/workers.py`, readFileSync(join(HERE, "pyodide_sdk.py")));
  path.push(`${SESSION}/sdk`);
  const env = { ...spec.vars };
  for (const k of spec.kv) env[k.binding] = await mf.getKVNamespace(k.binding);
  for (const d of spec.d1) {
    env[d.binding] = await mf.getD1Database(d.binding);
    await migrate(env[d.binding], d);
  }
  globalThis.caches = await mf.getCaches();

  pyodide.runPython(`import sys; sys.path[:0] = ${JSON.stringify(path)}`);
  // What importing edgekit costs in this runtime: the core, then the Workers adapter.
  const importMs = JSON.parse(
    pyodide.runPython(`
import importlib, json, time
_t = [time.perf_counter()]
importlib.import_module("edgekit")
_t.append(time.perf_counter())
importlib.import_module("edgekit.runtime.cloudflare")
_t.append(time.perf_counter())
json.dumps({"core": (_t[1] - _t[0]) * 1000, "adapter": (_t[2] - _t[1]) * 1000})`),
  );
  log(`edgekit imported in ${importMs.core.toFixed(1)} ms (+ ${importMs.adapter.toFixed(1)} ms for the Workers adapter)`);
  const boot = pyodide.pyimport("edgekit.preview.pyodide_boot");
  const t1 = performance.now();
  const worker = boot.start(basename(spec.main, ".py"), spec.app_name);
  log(`entry module ${basename(spec.main)} imported in ${(performance.now() - t1).toFixed(0)} ms`);
  return { boot, worker, env, importMs };
}

// The pending migrations of one D1 database, as `wrangler d1 migrations apply --local` applies
// them: each file (split into statements by edgekit on CPython) in one batch with the row
// that records it in wrangler's table.
async function migrate(db, d1) {
  const table = `"${d1.table.replaceAll('"', '""')}"`;
  await db.exec(
    `CREATE TABLE IF NOT EXISTS ${table} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE,` +
      " applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
  );
  const { results } = await db.prepare(`SELECT name FROM ${table}`).all();
  const applied = new Set(results.map((row) => row.name));
  for (const file of d1.migrations) {
    if (applied.has(file.name)) continue;
    const record = db.prepare(`INSERT INTO ${table} (name) VALUES (?1)`).bind(file.name);
    try {
      await db.batch([...file.statements.map((sql) => db.prepare(sql)), record]);
    } catch (error) {
      throw new Error(`D1 ${d1.binding}: migration ${file.name} failed: ${error.message}`);
    }
    log(`D1 ${d1.binding}: applied ${file.name}`);
  }
}

// What workerd hands the entry as `ctx`: waitUntil work is tracked until it settles.
function makeCtx() {
  return {
    waitUntil(promise) {
      Promise.resolve(promise).then(
        () => log("waitUntil: settled"),
        (error) => log(`waitUntil: rejected: ${error && error.stack ? error.stack : error}`),
      );
    },
    passThroughOnException() {},
  };
}

async function toJsRequest(req, origin) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const init = { method: req.method, headers };
  if (req.method !== "GET" && req.method !== "HEAD") {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    if (chunks.length) init.body = Buffer.concat(chunks);
  }
  return new Request(new URL(req.url, origin), init);
}

async function writeResponse(res, response, head) {
  const lines = [];
  for (const [name, value] of response.headers) if (name !== "set-cookie") lines.push([name, value]);
  for (const cookie of response.headers.getSetCookie()) lines.push(["set-cookie", cookie]);
  res.writeHead(response.status, response.statusText || undefined, lines.flat());
  if (response.body && !head) {
    for await (const chunk of response.body) res.write(chunk);
  }
  res.end();
}

function serve(spec, worker, env) {
  const server = http.createServer(async (req, res) => {
    try {
      const origin = `http://${req.headers.host || `${spec.host}:${spec.port}`}`;
      let request;
      try {
        request = await toJsRequest(req, origin);
      } catch (error) {
        res.writeHead(400, { "content-type": "text/plain; charset=UTF-8" }).end(`Bad Request: ${error.message}\n`);
        return;
      }
      const response = await worker(request, env, makeCtx());
      await writeResponse(res, response, req.method === "HEAD");
    } catch (error) {
      log(`request failed: ${error && error.stack ? error.stack : error}`);
      // A body cut off mid-stream must reach the client as a broken response, not a short one.
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { "content-type": "text/plain; charset=UTF-8" }).end("Internal Server Error\n");
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(spec.port, spec.host, () => {
      const { port } = server.address();
      const host = spec.host.includes(":") ? `[${spec.host}]` : spec.host;
      process.stdout.write(`edgekit-pyodide ready http://${host}:${port}\n`);
      resolvePromise(server);
    });
  });
}

async function main() {
  const specPath = process.argv[2];
  if (!specPath) throw new Error("usage: node pyodide_host.mjs SPEC.json");
  const spec = JSON.parse(readFileSync(specPath, "utf8"));
  const nodeModules = spec.node_modules;
  const mf = await startMiniflare(spec, nodeModules);
  const stop = async (code) => {
    await mf.dispose().catch(() => {});
    process.exit(code);
  };
  process.on("SIGTERM", () => stop(0));
  process.on("SIGINT", () => stop(0));
  try {
    const { boot, worker, env, importMs } = await startPython(spec, mf, nodeModules);
    if (spec.bench) {
      const result = JSON.parse(await boot.bench(basename(spec.main, ".py"), spec.bench.requests, env, makeCtx));
      process.stdout.write(`${JSON.stringify({ import_ms: importMs, ...result })}\n`);
      await stop(0);
    }
    await serve(spec, worker, env);
  } catch (error) {
    log(`edgekit pyodide preview failed: ${error && error.stack ? error.stack : error}`);
    await stop(1);
  }
}

main();
