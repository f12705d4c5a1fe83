#!/usr/bin/env node
// The Cloudflare wrappers in real Pyodide against miniflare's own KV and D1 simulators.
//
//   node tests/pyodide/harness.mjs [--contract PATH]
//
// One Node process: a Miniflare instance (one KV namespace, one D1 database, in memory)
// and Pyodide 0.28.2 (the Workers Python runtime), both from the repo's node_modules.
// The edgekit/ package source and the contract module (default tests/pyodide/contract.py)
// are copied into Pyodide's file system; the binding objects from mf.getKVNamespace()
// and mf.getD1Database() are handed to Python as the JS module `edgekit_lane_bindings`;
// tests/pyodide/pyodide_main.py (its lane()) wraps them with wrap_kv/wrap_d1 (pyodide_runtime()) and
// runs the contract. Stdout gets ONE line: the contract's canonical results as JSON.
// Pyodide's own prints go to stderr. Exit code 0 only when that line was written;
// Miniflare is always disposed.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { loadPyodide } from "pyodide";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");
const LANE = "/lane"; // the directory in Pyodide's file system that goes on sys.path
const TIMEOUT_MS = 100_000;

function parseArgs(argv) {
  const args = { contract: join(HERE, "contract.py") };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--contract") args.contract = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

// Every .py file (and py.typed) under dir, skipping caches.
function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "__pycache__") out.push(...sourceFiles(path));
    } else if (name.endsWith(".py") || name === "py.typed") {
      out.push(path);
    }
  }
  return out;
}

function copyInto(pyodide, hostPath, fsPath) {
  pyodide.FS.mkdirTree(dirname(fsPath));
  pyodide.FS.writeFile(fsPath, readFileSync(hostPath));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('edgekit pyodide lane') } }",
    compatibilityDate: "2026-04-26",
    kvNamespaces: { KV: "edgekit-lane-kv" },
    d1Databases: { DB: "edgekit-lane-d1" },
    kvPersist: false,
    d1Persist: false,
  });
  try {
    await mf.ready;
    const kv = await mf.getKVNamespace("KV");
    const db = await mf.getD1Database("DB");
    const pyodide = await loadPyodide({
      stdout: (line) => process.stderr.write(`[py] ${line}\n`),
      stderr: (line) => process.stderr.write(`[py:err] ${line}\n`),
    });
    const version = pyodide.version;
    if (version !== "0.28.2") throw new Error(`expected Pyodide 0.28.2, loaded ${version}`);
    const pkg = join(ROOT, "edgekit");
    for (const file of sourceFiles(pkg)) copyInto(pyodide, file, join(LANE, "edgekit", relative(pkg, file)));
    copyInto(pyodide, args.contract, join(LANE, "contract.py"));
    pyodide.registerJsModule("edgekit_lane_bindings", { kv, db });
    const main = readFileSync(join(HERE, "pyodide_main.py"), "utf8");
    const started = performance.now();
    await pyodide.runPythonAsync(main, { filename: "pyodide_main.py" });
    const line = await pyodide.runPythonAsync(`await lane(${JSON.stringify(LANE)})`);
    const ms = performance.now() - started;
    if (typeof line !== "string" || !line.startsWith("{")) throw new Error(`contract returned ${String(line)}`);
    process.stderr.write(`contract ran in ${ms.toFixed(0)} ms in Pyodide ${version}\n`);
    process.stdout.write(line + "\n");
  } finally {
    await mf.dispose();
  }
}

// Should the event loop drain before main() settles, Node must not exit with 0.
process.exitCode = 1;
const timer = setTimeout(() => {
  process.stderr.write(`harness: timed out after ${TIMEOUT_MS} ms\n`);
  process.exit(3);
}, TIMEOUT_MS);
timer.unref();

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`harness failed: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  },
);
