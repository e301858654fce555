// `vader doctor`: is the Python side installed and does the bridge start?
import { spawnSync } from "node:child_process";
import type { CommandModule } from "yargs";
import { Bridge } from "../bridge.js";
import { resolvePython } from "../transport/python-process.js";

const PROBE = `
import json, platform, sys
found = {"python": platform.python_version(), "executable": sys.executable}
for name in ("torch", "diffusers", "transformers", "peft", "safetensors", "zmq", "msgpack", "numpy", "PIL"):
    try:
        found[name] = __import__(name).__version__
    except Exception as error:
        found[name] = "MISSING: " + type(error).__name__ + ": " + str(error)
try:
    import torch
    found["device"] = ("cuda (" + torch.cuda.get_device_name(0) + ")") if torch.cuda.is_available() else "cpu"
except Exception:
    found["device"] = "unknown (torch did not import)"
print(json.dumps(found))
`;

export async function doctor(print: (line: string) => void = console.log): Promise<boolean> {
  const python = resolvePython();
  print(`interpreter: ${python}${process.env.VADER_PYTHON ? " (from VADER_PYTHON)" : ""}`);
  const probe = spawnSync(python, ["-c", PROBE], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    print(`FAIL: the interpreter did not run (${probe.error?.message ?? probe.stderr.trim().split("\n").pop()})`);
    print("fix: run `npm install` in the vader-sdk folder (it creates .venv), or set VADER_PYTHON to a Python 3.10+ interpreter");
    return false;
  }
  // The report is the last line: an import may print on stdout before it.
  const found = JSON.parse(probe.stdout.trim().split("\n").pop() ?? "{}") as Record<string, string>;
  let healthy = true;
  for (const [name, version] of Object.entries(found)) {
    print(`  ${name.padEnd(13)} ${version}`);
    if (version.startsWith("MISSING")) healthy = false;
  }
  if (!healthy) {
    print("FAIL: packages are missing. fix: `npm install` (re-creates .venv), or `pip install -r python-bridge/requirements.txt` into VADER_PYTHON");
    return false;
  }
  try {
    const started = Date.now();
    await using bridge = await Bridge.start();
    print(`bridge: started (pid ${bridge.pid}, protocol ${bridge.info.protocolVersion}) in ${Date.now() - started} ms`);
    const { device, weightsDtype, adapterDtype } = bridge.info.placement;
    print(`models go to: ${device}, frozen weights ${weightsDtype}, LoRA ${adapterDtype} (Model.tiny/load option device, precision)`);
  } catch (error) {
    print(`FAIL: the bridge did not start: ${(error as Error).message}`);
    return false;
  }
  print("OK");
  return true;
}

export const doctorCommand: CommandModule = {
  command: "doctor",
  describe: "Check the Python environment and that the bridge starts",
  handler: async () => {
    if (!(await doctor())) process.exitCode = 1;
  },
};
