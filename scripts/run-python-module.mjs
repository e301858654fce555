#!/usr/bin/env node
// Runs `python -m <module> [args]` from the repository root with the interpreter the SDK would
// spawn and the bridge package importable: `node scripts/run-python-module.mjs vader_bridge.world.pretrain --out world/base`.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const python = process.env.VADER_PYTHON ?? join(root, ".venv", "bin", "python");
if (!existsSync(python) && !process.env.VADER_PYTHON) {
  console.error(`No Python environment at ${python}. Run \`npm install\` first.`);
  process.exit(1);
}
const [module, ...args] = process.argv.slice(2);
if (!module) {
  console.error("usage: node scripts/run-python-module.mjs <module> [args...]");
  process.exit(2);
}
const pythonPath = [join(root, "python-bridge"), process.env.PYTHONPATH].filter(Boolean).join(delimiter);
const result = spawnSync(python, ["-m", module, ...args], {
  stdio: "inherit",
  cwd: root,
  env: { ...process.env, PYTHONPATH: pythonPath },
});
process.exit(result.status ?? 1);
