#!/usr/bin/env node
// Runs the bridge's pytest suite with the same interpreter the SDK would spawn.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const python = process.env.VADER_PYTHON ?? join(root, ".venv", "bin", "python");
if (!existsSync(python) && !process.env.VADER_PYTHON) {
  console.error(`No Python environment at ${python}. Run \`npm install\` first.`);
  process.exit(1);
}
const result = spawnSync(python, ["-m", "pytest", "-q", ...process.argv.slice(2)], {
  stdio: "inherit",
  cwd: join(root, "python-bridge"),
});
process.exit(result.status ?? 1);
