// Bad inputs through the real command line: each ends with a short message that names the flag or
// field, the problem and the fix, exit code 2, and no stack trace or Python traceback.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";

const scratch = mkdtempSync(join(tmpdir(), "vader-cli-errors-"));
const file = (name: string, text: string) => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};
const missing = join(scratch, "missing");
const badJson = file("bad.json", '{"steps": 3,}');
const unknownReward = file("unknown-reward.json", JSON.stringify({ reward: { kind: "named", name: "sharpness" } }));
const notAnObject = file("array.json", "[1, 2]");
const aFile = file("plain.txt", "not a folder");
const oneByOneGif = join(scratch, "pixel.gif");
writeFileSync(oneByOneGif, Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64"));

const BAD_INPUTS: { args: string[]; says: RegExp }[] = [
  { args: ["train", "--config", join(scratch, "job.json")], says: /--config:\n {2}- .*job\.json does not exist; give the path of a JSON job file/ },
  { args: ["train", "--config", badJson], says: /--config:\n {2}- .*bad\.json is not valid JSON \(.*\); fix the file/ },
  { args: ["train", "--config", notAnObject], says: /holds an array, not a JSON object/ },
  { args: ["train", "--config", unknownReward], says: /reward:\n {2}- "sharpness" is not a reward; choose from brightness, .*digit/ },
  { args: ["train", "--method", "ppo"], says: /Invalid values:[\s\S]*method[\s\S]*See vader --help/ },
  { args: ["train", "--model", missing], says: /--model:\n {2}- .*missing does not exist; give a model folder/ },
  { args: ["train", "--tiny", "--prompts", missing], says: /--prompts:\n {2}- .*missing does not exist; give the path of a text file of prompts/ },
  { args: ["train", "--tiny", "--runs-dir", join(aFile, "runs")], says: /--runs-dir:\n {2}- .*cannot be written \(a part of it is a file \(.*plain\.txt\)\); choose a folder you can write to/ },
  { args: ["sample", "--prompt", "digit 7 moving left", "--lora", missing, "--out", join(scratch, "x.gif")], says: /--lora:\n {2}- .*missing does not exist; give a run directory/ },
  { args: ["eval", "--lora", missing], says: /--lora:\n {2}- .*missing does not exist/ },
  { args: ["eval", "--rewards", "sharpness"], says: /--rewards:\n {2}- "sharpness" is not a reward/ },
  { args: ["compare", "--resume", missing], says: /--resume:\n {2}- .*missing does not exist; give the folder of a comparison/ },
  { args: ["compare", "--config", badJson], says: /--config:\n {2}- .*is not valid JSON/ },
  { args: ["compare", "--plot", aFile], says: /--plot:\n {2}- .*plain\.txt is a file, not a folder/ },
  { args: ["score", join(scratch, "missing.gif"), "--reward", "brightness"], says: /VIDEO:\n {2}- .*missing\.gif does not exist; give a video file/ },
  { args: ["score", aFile, "--reward", "brightness", "--options", "{digit: 2}"], says: /--options:\n {2}- is not valid JSON/ },
  // Judged in Python (the weights are looked for there), still one line and exit 2.
  { args: ["score", oneByOneGif, "--reward", "aesthetic", "--options", JSON.stringify({ clip: missing, head: missing })], says: /^reward 'aesthetic' option 'clip': .*missing does not exist; give the local path of the weights/ },
  { args: ["score", oneByOneGif, "--reward", "aesthetic"], says: /'openai\/clip-vit-large-patch14' is neither a local path .* nor in the Hugging Face cache .*`hf download openai\/clip-vit-large-patch14`/ },
  { args: ["train", "--resume", missing], says: /--resume:\n {2}- .*missing does not exist; give a run directory of vader train/ },
  { args: ["train", "--resume", scratch, "--steps", "3"], says: /Arguments resume and steps are mutually exclusive/ },
];

// tsx's loader by path: the CLI runs from the scratch folder, where no node_modules resolves it.
const TSX_LOADER = pathToFileURL(createRequire(join(PACKAGE_ROOT, "package.json")).resolve("tsx")).href;

function vader(args: string[]) {
  return spawnSync(process.execPath, ["--import", TSX_LOADER, join(PACKAGE_ROOT, "src", "cli", "main.ts"), ...args], { cwd: scratch, encoding: "utf8", timeout: 60_000 });
}

describe("the CLI's short errors", () => {
  const cases = BAD_INPUTS.map((input) => [input.args.join(" ").replaceAll(scratch, "<tmp>"), input] as const);
  it.each(cases)("vader %s: exit 2, a short message", (_name, { args, says }) => {
    const result = vader(args);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toMatch(says);
    expect(result.stderr.trim().split("\n").length).toBeLessThanOrEqual(4);
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(result.stderr).not.toContain("Traceback");
    expect(result.stdout).not.toContain("run directory:"); // refused before anything was announced
  });
});
