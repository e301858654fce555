// The npm package as a user gets it: `npm pack`, install the tarball into an empty folder, run the
// `vader` binary there. VADER_PYTHON points at this checkout's interpreter, so the package's
// postinstall skips creating a .venv: this checks the tarball's contents and the npm wiring, not pip.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";
import { resolvePython } from "../../src/transport/python-process.js";

interface CommandResult {
  code: number | null;
  output: string;
  stdout: string;
}

/** Runs a command to its end without blocking the test's event loop; stdout and stderr kept. */
function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs, killSignal: "SIGKILL" });
    let stdout = "";
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output, stdout }));
  });
}

/** Every file under a folder, as paths relative to it with forward slashes. */
function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join("/"));
}

const MiB = 1024 * 1024;
let workFolder: string;
let app: string;
let env: NodeJS.ProcessEnv;
/** What `npm pack --json` says about the tarball it wrote. */
interface PackResult {
  filename: string;
  size: number;
  entryCount: number;
  files: { path: string }[];
}
let packed: PackResult;

beforeAll(async () => {
  workFolder = realpathSync(mkdtempSync(join(tmpdir(), "vader-package-")));
  app = join(workFolder, "app");
  mkdirSync(app);
  // The repository's own PYTHONPATH must not leak in: the bridge has to come from the installed package.
  env = { ...process.env, VADER_PYTHON: resolvePython() };
  delete env.PYTHONPATH;

  // `npm pack` runs prepack (removes dist/) and prepare (builds it), as `npm publish` does.
  const pack = await runCommand("npm", ["pack", "--json", "--pack-destination", workFolder], PACKAGE_ROOT, env, 150_000);
  expect(pack.code, pack.output).toBe(0);
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as [PackResult])[0];

  // An empty project that installs the tarball; its dependencies come from the npm cache when they can.
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "vader-package-test", private: true, type: "module" }));
  const install = await runCommand("npm", ["install", join(workFolder, packed.filename), "--prefer-offline", "--no-audit", "--no-fund", "--foreground-scripts"], app, env, 120_000);
  expect(install.code, install.output).toBe(0);
  // The package's postinstall ran and respected VADER_PYTHON.
  expect(install.output).toContain("[vader setup] VADER_PYTHON=");
}, 180_000);

afterAll(() => {
  if (workFolder) rmSync(workFolder, { recursive: true, force: true });
});

describe("the npm package", () => {
  it("holds the binary, the built JS and types, the Python bridge, the digit world and the install script, and nothing else", () => {
    const paths = packed.files.map((file) => file.path);
    for (const needed of [
      "package.json",
      "README.md",
      "bin/vader.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/cli/main.js",
      "scripts/setup-python.mjs",
      "python-bridge/requirements.txt",
      "python-bridge/pyproject.toml",
      "python-bridge/vader_bridge/server.py",
      "python-bridge/vader_bridge/protocol_schema.json",
      "world/base/model_index.json",
      "world/base/unet/diffusion_pytorch_model.safetensors",
      "world/rewards/digit/model.safetensors",
      "world/rewards/motion/model.safetensors",
      "world/judge/digit/model.safetensors",
    ]) {
      expect(paths, needed).toContain(needed);
    }
    const unwanted = paths.filter((path) =>
      /^(src|test|recipes|bench|docs|node_modules|\.venv|python-bridge\/tests)\//.test(path) ||
      /(^|\/)__pycache__\/|\.pyc$|\.map$|\.log$/.test(path),
    );
    expect(unwanted).toEqual([]);

    // dist/ is built fresh from src/: every module has its JS and types, and nothing stale is left.
    const sources = filesUnder(join(PACKAGE_ROOT, "src")).filter((path) => path.endsWith(".ts")).map((path) => path.replace(/\.ts$/, ""));
    const built = paths.filter((path) => path.startsWith("dist/") && path.endsWith(".js")).map((path) => path.slice("dist/".length).replace(/\.js$/, ""));
    expect(built.sort()).toEqual(sources.sort());
    for (const module of sources) expect(paths, module).toContain(`dist/${module}.d.ts`);

    // About 16 MB, almost all of it the digit world's weights: a .venv or node_modules would show.
    expect(packed.size).toBeLessThan(25 * MiB);
  });

  it("installs with a working `vader` binary and an importable API that finds the world inside the package", async () => {
    const installed = join(app, "node_modules", "vader-sdk");
    expect(existsSync(join(app, "node_modules", ".bin", "vader"))).toBe(true);
    expect(existsSync(join(installed, ".venv"))).toBe(false); // VADER_PYTHON was set: no pip install
    const probe = await runCommand(
      "node",
      ["--input-type=module", "-e", "const sdk = await import('vader-sdk'); console.log(JSON.stringify({ world: sdk.WORLD_BASE_DIRECTORY, protocol: sdk.PROTOCOL_VERSION, bridge: typeof sdk.Bridge.start }))"],
      app,
      env,
      60_000,
    );
    expect(probe.code, probe.output).toBe(0);
    const exported = JSON.parse(probe.stdout.trim().split("\n").pop() ?? "{}") as { world: string; protocol: number; bridge: string };
    expect(exported.world).toBe(join(installed, "world", "base"));
    expect(existsSync(join(exported.world, "unet", "diffusion_pytorch_model.safetensors"))).toBe(true);
    expect(exported.bridge).toBe("function");
  });

  it("`npx vader doctor` starts the bridge from the installed package", async () => {
    // --no: never fetch a `vader` from the registry when the local binary is missing.
    const doctor = await runCommand("npx", ["--no", "vader", "doctor"], app, env, 170_000);
    expect(doctor.code, doctor.output).toBe(0);
    expect(doctor.output).toMatch(/^\s*torch\s+2\.13\.0/m);
    expect(doctor.output).toMatch(/^bridge: started \(pid \d+, protocol \d+\)/m);
    expect(doctor.output).toMatch(/^OK$/m);
  }, 180_000);

  it("`npx vader train --tiny --steps 2` trains and writes its run directory in the project", async () => {
    const train = await runCommand("npx", ["--no", "vader", "train", "--tiny", "--steps", "2", "--name", "packaged"], app, env, 170_000);
    expect(train.code, train.output).toBe(0);
    expect(train.output).toMatch(/^step 2\/2 {2}reward/m);
    const runDirectory = join(app, "runs", "packaged");
    expect(train.output).toContain(`run directory: ${runDirectory}`);
    expect(existsSync(join(runDirectory, "lora", "adapter_model.safetensors"))).toBe(true);
    expect(existsSync(join(runDirectory, "metrics.jsonl"))).toBe(true);
  }, 180_000);
});
