#!/usr/bin/env node
// Runs a Python tool of the bridge (pytest, lint-imports) with the same interpreter the SDK would
// spawn, in python-bridge/:  node scripts/run-python.mjs pytest [args]  |  lint-imports [args]
//   | world-pretrain [args]  |  world-rewards [args]   (rebuild the digit world: docs/world.md)
//   | tiny-rewards OUT   (tiny checkpoints of the paper's rewards; prints each reward's options)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const TOOLS = {
  pytest: ["-m", "pytest", "-q"],
  // import-linter has no `python -m` entry point; this is what its console script runs.
  "lint-imports": ["-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())", "--no-logo"],
  "world-pretrain": ["-m", "vader_bridge.world.pretrain", "--out", "../world/base"],
  "world-rewards": ["-m", "vader_bridge.world.train_rewards", "--out", "../world"],
  // Tiny random-weight checkpoints of the paper's rewards, in their original formats (smoke runs).
  "tiny-rewards": ["-m", "vader_bridge.rewards.tiny_weights"],
};

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [tool, ...rest] = process.argv.slice(2);
if (!(tool in TOOLS)) {
  console.error(`Usage: node scripts/run-python.mjs ${Object.keys(TOOLS).join("|")} [arguments]`);
  process.exit(2);
}
const python = process.env.VADER_PYTHON ?? join(root, ".venv", "bin", "python");
if (!existsSync(python) && !process.env.VADER_PYTHON) {
  console.error(`No Python environment at ${python}. Run \`npm install\` first.`);
  process.exit(1);
}
const result = spawnSync(python, [...TOOLS[tool], ...rest], { stdio: "inherit", cwd: join(root, "python-bridge") });
process.exit(result.status ?? 1);
