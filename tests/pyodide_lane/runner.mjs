#!/usr/bin/env node
// The edgekit test suite inside real Pyodide 0.28.2 (the Workers Python runtime), offline.
//
//   node tests/pyodide_lane/runner.mjs [--site-packages DIR] [--timeout SECONDS] [-- PYTEST_ARGS...]
//
// Loads Pyodide from the repo's node_modules, copies the repo's edgekit/, tests/ and examples/
// (plus pyproject.toml, which holds the pytest configuration) into Pyodide's in-memory file
// system at /repo, so nothing in Pyodide can write to the checkout; mounts the pure-Python test
// tools (pytest and its dependencies, Hypothesis) from a CPython site-packages (default: the
// repo's .venv) with NODEFS at /deps, where nothing writes (bytecode writing is off); then runs
// tests/pyodide_lane/bootstrap.py, whose run_lane() runs pytest and returns its exit code.
// pytest's output goes to stdout; this process exits with pytest's exit code (0 all passed,
// 1 some failed, 2-5 see pytest), with 70 when the lane could not run or did not finish (Pyodide
// aborted, a test waited forever), and with 124 on timeout. PYTEST_ARGS default to `tests`.
//
// asyncio.run() inside Pyodide suspends WebAssembly (JSPI): Node 20 and 22 need the V8 flag
// --experimental-wasm-stack-switching, so without JSPI the runner re-runs itself with it.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");
const REPO = "/repo"; // the copy of the checkout inside Pyodide; pytest's rootdir
const DEPS = "/deps"; // the test tools, on sys.path inside Pyodide
const PYODIDE_VERSION = "0.28.2";
const JSPI_FLAG = "--experimental-wasm-stack-switching";
const EXIT_LANE_BROKEN = 70;
const EXIT_TIMEOUT = 124;
// What the suite needs from site-packages, by distribution; each is pure Python
// (Hypothesis's one compiled module is replaced by tests/pyodide_lane/hypothesis_native.py).
const DISTRIBUTIONS = ["pytest", "pluggy", "iniconfig", "packaging", "pygments", "hypothesis", "sortedcontainers"];
// The parts of the checkout the tests import or read.
const REPO_DIRS = ["edgekit", "tests", "examples"];
const REPO_FILES = ["pyproject.toml"];
const SKIPPED_DIRS = new Set(["__pycache__", ".pytest_cache", ".hypothesis", "node_modules"]);

function hasJspi() {
  return "Suspender" in WebAssembly || "Suspending" in WebAssembly;
}

function parseArgs(argv) {
  const args = { sitePackages: null, timeoutS: 900, pytestArgs: ["tests"] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      if (i + 1 < argv.length) args.pytestArgs = argv.slice(i + 1);
      break;
    } else if (arg === "--site-packages" && i + 1 < argv.length) {
      args.sitePackages = resolve(argv[++i]);
    } else if (arg === "--timeout" && i + 1 < argv.length) {
      args.timeoutS = Number(argv[++i]);
      if (!(args.timeoutS > 0)) throw new Error(`--timeout needs a positive number of seconds, got ${argv[i]}`);
    } else {
      throw new Error(`unknown argument ${arg} (usage: runner.mjs [--site-packages DIR] [--timeout S] [-- PYTEST_ARGS...])`);
    }
  }
  return args;
}

function defaultSitePackages() {
  const lib = join(ROOT, ".venv", "lib");
  const pythons = existsSync(lib) ? readdirSync(lib).filter((name) => name.startsWith("python3")) : [];
  for (const python of pythons.sort()) {
    const candidate = join(lib, python, "site-packages");
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no site-packages under ${lib}: run scripts/setup.sh or pass --site-packages DIR`);
}

// The names a distribution installs at the top of site-packages, from its RECORD
// (e.g. hypothesis -> hypothesis/, _hypothesis_pytestplugin.py, ..., hypothesis-6.x.dist-info/).
function topLevelEntries(sitePackages, distribution) {
  if (!existsSync(sitePackages)) throw new Error(`--site-packages ${sitePackages}: no such directory`);
  const normal = (name) => name.toLowerCase().replace(/[-_.]+/g, "_");
  const distInfo = readdirSync(sitePackages).find(
    (name) => name.endsWith(".dist-info") && normal(name.slice(0, name.indexOf("-"))) === normal(distribution),
  );
  if (!distInfo) throw new Error(`${distribution} is not installed in ${sitePackages}: run scripts/setup.sh`);
  const entries = new Set([distInfo]);
  for (const line of readFileSync(join(sitePackages, distInfo, "RECORD"), "utf8").split("\n")) {
    const top = line.split(",")[0].split("/")[0];
    if (top && top !== ".." && top !== "__pycache__" && existsSync(join(sitePackages, top))) entries.add(top);
  }
  return [...entries];
}

function copyTree(pyodide, hostPath, fsPath) {
  if (statSync(hostPath).isDirectory()) {
    pyodide.FS.mkdirTree(fsPath);
    for (const name of readdirSync(hostPath)) {
      if (!SKIPPED_DIRS.has(name)) copyTree(pyodide, join(hostPath, name), `${fsPath}/${name}`);
    }
  } else {
    pyodide.FS.writeFile(fsPath, readFileSync(hostPath));
  }
}

function provideDeps(pyodide, sitePackages, entries) {
  pyodide.FS.mkdirTree(DEPS);
  for (const name of entries) {
    const hostPath = join(sitePackages, name);
    if (statSync(hostPath).isDirectory()) {
      // Mounted, not copied: pygments and hypothesis are large and mostly never imported.
      pyodide.FS.mkdirTree(`${DEPS}/${name}`);
      pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: hostPath }, `${DEPS}/${name}`);
    } else {
      pyodide.FS.writeFile(`${DEPS}/${name}`, readFileSync(hostPath));
    }
  }
}

// What the exit handler reports: whether the lane settled, and the test that started last.
const state = { settled: false, currentTest: null };

async function lane(args) {
  const { loadPyodide } = await import(join(ROOT, "node_modules", "pyodide", "pyodide.mjs"));
  const sitePackages = args.sitePackages ?? defaultSitePackages();
  // Found before Pyodide loads (seconds), so that a missing tool fails at once.
  const entries = DISTRIBUTIONS.flatMap((distribution) => topLevelEntries(sitePackages, distribution));
  const write = (stream) => ({
    write: (bytes) => {
      stream.write(bytes);
      return bytes.length;
    },
  });
  const started = performance.now();
  const pyodide = await loadPyodide({ env: { PYTHONDONTWRITEBYTECODE: "1" } });
  if (pyodide.version !== PYODIDE_VERSION) {
    throw new Error(`expected Pyodide ${PYODIDE_VERSION}, loaded ${pyodide.version}`);
  }
  pyodide.setStdout(write(process.stdout));
  pyodide.setStderr(write(process.stderr));
  for (const name of REPO_DIRS) copyTree(pyodide, join(ROOT, name), `${REPO}/${name}`);
  for (const name of REPO_FILES) copyTree(pyodide, join(ROOT, name), `${REPO}/${name}`);
  provideDeps(pyodide, sitePackages, entries);
  const bootstrap = readFileSync(join(HERE, "bootstrap.py"), "utf8");
  await pyodide.runPythonAsync(bootstrap, { filename: `${REPO}/tests/pyodide_lane/bootstrap.py` });
  const runLane = pyodide.globals.get("run_lane");
  const code = await runLane.callPromising(REPO, DEPS, pyodide.toPy(args.pytestArgs), (nodeid) => {
    state.currentTest = nodeid;
  });
  runLane.destroy();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`pyodide lane: Pyodide ${pyodide.version}, pytest exit code ${code}, ${seconds} s\n`);
  return code;
}

function main() {
  if (!hasJspi()) {
    // Same script, same arguments, with JSPI switched on; its exit code is ours.
    const child = spawnSync(process.execPath, [JSPI_FLAG, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: "inherit",
    });
    if (child.error) throw child.error;
    process.exit(child.status ?? EXIT_LANE_BROKEN);
  }
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`pyodide lane: ${error.message}\n`);
    process.exit(EXIT_LANE_BROKEN);
  }
  const timer = setTimeout(() => {
    state.settled = true;
    process.stderr.write(`pyodide lane: timed out after ${args.timeoutS} s, in ${state.currentTest ?? "no test yet"}\n`);
    process.exit(EXIT_TIMEOUT);
  }, args.timeoutS * 1000);
  timer.unref();
  // Node also exits when Pyodide aborts (a fatal error is thrown outside any promise) and when
  // its event loop empties while Python waits on a promise that can no longer settle; loading
  // Pyodide resets process.exitCode, so the verdict is set on the way out.
  process.on("exit", () => {
    if (!state.settled) {
      const where = state.currentTest ? `, in ${state.currentTest}` : "";
      process.stderr.write(`pyodide lane: Node exits before pytest finished (a crash, or a test that waits forever)${where}\n`);
      process.exitCode = EXIT_LANE_BROKEN;
    }
  });
  lane(args).then(
    (code) => {
      state.settled = true;
      process.exit(code);
    },
    (error) => {
      state.settled = true;
      process.stderr.write(`pyodide lane could not run: ${error && error.stack ? error.stack : error}\n`);
      process.exit(EXIT_LANE_BROKEN);
    },
  );
}

main();
