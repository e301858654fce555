// The command line's inputs checked before anything starts: files that must exist and parse,
// folders that must exist or be writable. Each failure is a ConfigError naming the flag, the path,
// the problem and the fix, which the CLI prints in two lines with exit code 2.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { BUILT_IN_REWARDS } from "../specs/implementations.js";
import type { RewardSpec } from "../specs/reward-spec.js";

/** An existing file (not a folder), resolved. */
export function existingFile(flag: string, path: string, what: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new ConfigError(flag, [`${full} does not exist; give ${what}`]);
  if (statSync(full).isDirectory()) throw new ConfigError(flag, [`${full} is a folder; give ${what}`]);
  return full;
}

/** A text file's content; a missing or unreadable file is a ConfigError for `flag`. */
export function readTextFile(flag: string, path: string, what: string): string {
  const full = existingFile(flag, path, `the path of ${what}`);
  try {
    return readFileSync(full, "utf8");
  } catch (error) {
    throw new ConfigError(flag, [`${full} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check its permissions`]);
  }
}

/** A JSON object from a file; bad JSON names the file and the parser's complaint. */
export function readJsonFile(flag: string, path: string, what: string): Record<string, unknown> {
  const text = readTextFile(flag, path, what);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(flag, [`${resolve(path)} is not valid JSON (${(error as Error).message}); fix the file`]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(flag, [`${resolve(path)} holds ${Array.isArray(parsed) ? "an array" : String(parsed)}, not a JSON object; ${what} is an object of fields`]);
  }
  return parsed as Record<string, unknown>;
}

/** An existing folder, resolved; `what` says what it should be and how to get one. */
export function existingFolder(flag: string, path: string, what: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new ConfigError(flag, [`${full} does not exist; give ${what}`]);
  if (!statSync(full).isDirectory()) throw new ConfigError(flag, [`${full} is a file, not a folder; give ${what}`]);
  return full;
}

/** A folder that outputs can be written to: created if missing, and probed with a file (root passes permission checks, a read-only or full disk does not). */
export function writableFolder(flag: string, path: string): string {
  const full = resolve(path);
  const probe = join(full, `.vader-write-check-${process.pid}`);
  try {
    mkdirSync(full, { recursive: true });
    accessSync(full, constants.W_OK);
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const why: Record<string, string> = {
      ENOTDIR: `a part of it is a file (${nearestExisting(full)})`,
      EACCES: "permission denied",
      EPERM: "permission denied",
      EROFS: "the file system is read-only",
      ENOSPC: "the disk is full",
      EEXIST: "a file of that name exists",
    };
    throw new ConfigError(flag, [`${full} cannot be written (${why[code] ?? code ?? (error as Error).message}); choose a folder you can write to`]);
  }
  return full;
}

function nearestExisting(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/** What a --model or model.directory must be. */
export const MODEL_FOLDER = "a model folder (a diffusers save_pretrained folder, or the digit world's world/base)";
/** What a --lora must be. */
export const LORA_FOLDER =
  "a run directory of vader train or vader compare, a LoRA folder (adapter_config.json or pytorch_lora_weights.safetensors inside), or a .safetensors LoRA file";

/** A --lora path: a .safetensors file (diffusers, ComfyUI or kohya keys), else a folder. */
export function existingLora(flag: string, path: string): string {
  return path.toLowerCase().endsWith(".safetensors") ? existingFile(flag, path, LORA_FOLDER) : existingFolder(flag, path, LORA_FOLDER);
}

/**
 * Every reward a spec names is a built-in, unless plugins may register more (VADER_BRIDGE_PLUGINS,
 * checked by Python then). Caught here, an unknown name costs no bridge start.
 */
export function checkRewardNames(spec: RewardSpec, field: string): void {
  if (process.env.VADER_BRIDGE_PLUGINS) return;
  if (spec.kind === "named") {
    if (!(BUILT_IN_REWARDS as readonly string[]).includes(spec.name)) {
      throw new ConfigError(field, [`"${spec.name}" is not a reward; choose from ${BUILT_IN_REWARDS.join(", ")} (or load a plugin with VADER_BRIDGE_PLUGINS)`]);
    }
  } else if (spec.kind === "sum") spec.terms.forEach((term, index) => checkRewardNames(term, `${field}.terms.${index}`));
  else if (spec.kind !== "typescript") checkRewardNames(spec.reward, `${field}.reward`); // a TypeScript function names no Python reward
}

/** A JSON object given on the command line (`--options '{"digit": 2}'`). */
export function jsonObjectFlag(flag: string, text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(flag, [`is not valid JSON (${(error as Error).message}); give an object, e.g. '{"digit": 2}'`]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ConfigError(flag, [`must be a JSON object such as '{"digit": 2}', not ${JSON.stringify(parsed)}`]);
  return parsed as Record<string, unknown>;
}
