#!/usr/bin/env node
// Creates the project's Python environment (.venv) with the bridge's pinned dependencies.
// Runs from `npm install` (postinstall). torch==2.13.0 goes in first and alone: that exact pin
// resolves to the CPU wheel on our machines, and every later pin is chosen so nothing upgrades it.
// Skipped when VADER_PYTHON names an existing interpreter or VADER_SKIP_PYTHON_SETUP=1.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const venv = join(root, ".venv");
const venvPython = join(venv, "bin", "python");
const requirements = join(root, "python-bridge", "requirements.txt");
const stamp = join(venv, ".vader-requirements.sha256");

function run(command, args) {
  console.log(`[vader setup] ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", cwd: root });
  if (result.status !== 0) {
    console.error(`[vader setup] failed: ${command} ${args.join(" ")} (exit ${result.status ?? result.signal}).`);
    console.error("[vader setup] Fix the error above and run `npm install` again, or point VADER_PYTHON at an interpreter that has python-bridge/requirements.txt installed.");
    process.exit(1);
  }
}

function findSystemPython() {
  for (const candidate of ["python3.11", "python3.12", "python3.10", "python3"]) {
    const probe = spawnSync(candidate, ["-c", "import sys; print(sys.version_info >= (3, 10))"], { encoding: "utf8" });
    if (probe.status === 0 && probe.stdout.trim() === "True") return candidate;
  }
  return undefined;
}

if (process.env.VADER_SKIP_PYTHON_SETUP === "1") {
  console.log("[vader setup] VADER_SKIP_PYTHON_SETUP=1: not creating .venv.");
  process.exit(0);
}
if (process.env.VADER_PYTHON) {
  console.log(`[vader setup] VADER_PYTHON=${process.env.VADER_PYTHON}: using that interpreter, not creating .venv.`);
  process.exit(0);
}

const wanted = createHash("sha256").update(readFileSync(requirements)).digest("hex");
if (existsSync(venvPython) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === wanted) {
  console.log("[vader setup] .venv is up to date.");
  process.exit(0);
}

const systemPython = findSystemPython();
if (!systemPython) {
  console.error("[vader setup] Python 3.10 or newer was not found on PATH. Install it (e.g. `apt-get install python3 python3-venv`) and run `npm install` again.");
  process.exit(1);
}
if (!existsSync(venvPython)) run(systemPython, ["-m", "venv", venv]);
run(venvPython, ["-m", "pip", "install", "--disable-pip-version-check", "torch==2.13.0"]);
run(venvPython, ["-m", "pip", "install", "--disable-pip-version-check", "-r", requirements]);
writeFileSync(stamp, wanted + "\n");
console.log("[vader setup] Python environment ready at .venv");
