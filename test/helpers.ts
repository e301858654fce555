import { spawn } from "node:child_process";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../src/transport/package-root.js";
import { expect } from "vitest";
import { ConfigError } from "../src/index.js";

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The issues of the ConfigError that `run` throws (fails the test if it throws anything else, or nothing). */
export function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
}

/** The real CLI (`vader ARGS...`) from the sources, in its own process: its output so far and its exit code. */
export function startCli(args: string[]) {
  const cli = spawn(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, "src", "cli", "main.ts"), ...args], { cwd: PACKAGE_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  cli.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  cli.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => cli.once("exit", (code) => resolve(code)));
  return { cli, exited, output: () => output };
}
