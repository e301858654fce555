// Spawns the Python bridge process and watches it. The session key travels on stdin (never argv,
// never a file); stdin then stays open, and Python exits when it reads EOF, so the bridge dies
// with its parent even after `kill -9`.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { BridgeStartError } from "../errors.js";
import { failedRank, isDistributed, launcherArguments, launcherEnvironment, type DistributedOptions } from "./distributed-launch.js";
import { PACKAGE_ROOT } from "./package-root.js";

const READY_PREFIX = "VADER_BRIDGE_READY ";
const STDERR_LINES_KEPT = 60; // torchrun's failure report alone is about 25 lines
/** Importing torch and diffusers on a cold, busy machine can take a while. */
export const DEFAULT_START_TIMEOUT_MS = 120_000;

/** `processes` > 1 (or `nodes` > 1) starts the bridge as data-parallel ranks under torchrun (distributed-launch.ts). */
export interface PythonProcessOptions extends DistributedOptions {
  /** Interpreter to run; defaults to $VADER_PYTHON, then the package's .venv. */
  python?: string;
  /** How long the bridge may take to import torch and bind its socket. */
  startTimeoutMs?: number;
  /** Extra environment for the Python process. */
  env?: Record<string, string>;
  /**
   * torch intra-op threads (VADER_TORCH_THREADS). torch's default, one per core, is fastest on an
   * idle machine; on cores shared with other busy processes, 1 avoids stalls of 10x and more.
   */
  torchThreads?: number;
}

export interface PythonExit {
  code: number | null;
  signal: string | null;
}

export function resolvePython(explicit?: string): string {
  return explicit ?? process.env.VADER_PYTHON ?? join(PACKAGE_ROOT, ".venv", "bin", "python");
}

export class PythonProcess {
  readonly exited: Promise<PythonExit>;
  private readonly stderrLines: string[] = [];
  private exitInfo: PythonExit | undefined;

  private constructor(
    readonly python: string,
    readonly child: ChildProcess,
    readonly endpoint: string,
    readonly controlEndpoint: string,
    socketDirectory: string,
    /** Started under torchrun: the launcher leads its own process group, and kill() ends the group. */
    readonly distributed = false,
  ) {
    this.exited = new Promise((resolve) => {
      // "close", not "exit": it comes after stderr has drained (the crash traceback is in the
      // tail), and it also comes when the spawn itself failed, where "exit" never does.
      child.once("close", (code, signal) => {
        this.exitInfo = { code, signal };
        rmSync(socketDirectory, { recursive: true, force: true });
        resolve(this.exitInfo);
      });
    });
    let partial = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) this.keepStderrLine(line);
      if (process.env.VADER_BRIDGE_DEBUG === "1") process.stderr.write(chunk);
    });
    child.stderr?.once("end", () => partial && this.keepStderrLine(partial));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): PythonExit | undefined {
    return this.exitInfo;
  }

  stderrTail(lines = 20): string {
    return this.stderrLines.slice(-lines).join("\n");
  }

  /** Why the process ended, for errors: a failed rank of a distributed run is named (torchrun's report). */
  exitReason(): string {
    const failure = this.distributed ? failedRank(this.stderrTail(STDERR_LINES_KEPT)) : undefined;
    if (failure) return `rank ${failure.rank} of the distributed run ${failure.exit}, and torchrun stopped the others`;
    return this.distributed ? "the Python process (torchrun and its ranks) exited" : "the Python process exited";
  }

  private keepStderrLine(line: string): void {
    this.stderrLines.push(line);
    if (this.stderrLines.length > STDERR_LINES_KEPT) this.stderrLines.shift();
  }

  /** Spawns `python -m vader_bridge.server` and resolves once its socket is bound. */
  static async spawn(sessionKey: Buffer, options: PythonProcessOptions = {}): Promise<PythonProcess> {
    const python = resolvePython(options.python);
    if (python.includes("/") && !existsSync(python)) {
      throw new BridgeStartError(
        `the Python interpreter ${python} does not exist`,
        "run `npm install` in the vader-sdk folder (it creates .venv), or set VADER_PYTHON to a Python 3.10+ with python-bridge/requirements.txt installed",
      );
    }
    // mkdtemp makes the folder 0700: other local users cannot reach the socket inside it.
    const socketDirectory = mkdtempSync(join(tmpdir(), "vader-bridge-"));
    const endpoint = `ipc://${join(socketDirectory, "bridge.sock")}`;
    const controlEndpoint = `ipc://${join(socketDirectory, "control.sock")}`;
    const bridgePath = join(PACKAGE_ROOT, "python-bridge");
    const pythonPath = [bridgePath, process.env.PYTHONPATH].filter(Boolean).join(delimiter);
    const distributed = isDistributed(options);
    const launcher = distributed ? launcherArguments(options) : [];
    const child = spawn(python, [...launcher, "-m", "vader_bridge.server"], {
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group: Ctrl-C in a terminal would make torchrun's agent kill the ranks; the owner decides instead.
      detached: distributed,
      env: {
        ...process.env,
        ...(distributed ? launcherEnvironment(options) : {}),
        ...(options.torchThreads ? { VADER_TORCH_THREADS: String(options.torchThreads) } : {}),
        ...options.env,
        PYTHONPATH: pythonPath, PYTHONUNBUFFERED: "1", VADER_BRIDGE_ENDPOINT: endpoint, VADER_BRIDGE_CONTROL_ENDPOINT: controlEndpoint },
    });
    const started = new PythonProcess(python, child, endpoint, controlEndpoint, socketDirectory, distributed);
    child.stdin?.on("error", () => undefined); // EPIPE when Python died first; the exit handler reports it
    child.stdin?.write(`${sessionKey.toString("hex")}\n`);
    await started.waitUntilReady(options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    return started;
  }

  private waitUntilReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let stdout = "";
      const fail = (error: BridgeStartError) => {
        cleanup();
        this.kill();
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
        if (stdout.includes(READY_PREFIX)) {
          cleanup();
          resolve();
        }
      };
      const onError = (error: NodeJS.ErrnoException) =>
        fail(
          new BridgeStartError(
            error.code === "ENOENT" ? `the Python interpreter ${this.python} was not found` : `spawning ${this.python} failed: ${error.message}`,
            "install Python 3.10+ and run `npm install`, or set VADER_PYTHON to an interpreter that has python-bridge/requirements.txt installed",
          ),
        );
      const onExit = (code: number | null, signal: string | null) => {
        // Give stderr a moment to drain so the diagnosis sees the whole traceback.
        setImmediate(() => fail(diagnoseEarlyExit(this.python, code, signal, this.stderrTail(30))));
      };
      const timer = setTimeout(
        () => fail(new BridgeStartError(`the bridge did not report ready within ${timeoutMs} ms`, "check that the interpreter can `import torch` quickly; set VADER_BRIDGE_DEBUG=1 to see its stderr", this.stderrTail())),
        timeoutMs,
      );
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout?.off("data", onData);
        this.child.off("error", onError);
        this.child.off("exit", onExit);
      };
      this.child.stdout?.on("data", onData);
      this.child.once("error", onError);
      this.child.once("exit", onExit);
    });
  }

  /** Closes stdin (Python exits on EOF), then escalates to SIGKILL if it lingers. */
  async stop(graceMs = 3000): Promise<PythonExit> {
    if (this.exitInfo) return this.exitInfo;
    this.child.stdin?.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  kill(): void {
    if (this.exitInfo) return;
    // torchrun's group; its ranks run in sessions of their own and leave within a second of losing their parent.
    if (this.distributed && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, "SIGKILL");
        return;
      } catch {
        // the group is already gone: fall through to the child itself
      }
    }
    this.child.kill("SIGKILL");
  }
}

function diagnoseEarlyExit(python: string, code: number | null, signal: string | null, stderr: string): BridgeStartError {
  const missing = /No module named '([^']+)'/.exec(stderr);
  if (missing?.[1]?.startsWith("vader_bridge")) {
    return new BridgeStartError(
      `the bridge's own module '${missing[1]}' is missing under ${join(PACKAGE_ROOT, "python-bridge")}`,
      "the vader-sdk installation is incomplete: reinstall it (or restore python-bridge/ in a checkout)",
      stderr,
    );
  }
  if (missing) {
    return new BridgeStartError(
      `the Python package '${missing[1]}' is missing from ${python}`,
      "run `npm install` (it installs python-bridge/requirements.txt into .venv), or `pip install -r python-bridge/requirements.txt` into VADER_PYTHON",
      stderr,
    );
  }
  if (/requires Python 3\.1\d|SyntaxError/.test(stderr)) {
    return new BridgeStartError(`${python} is too old for the bridge`, "use Python 3.10 or newer (set VADER_PYTHON, or rerun `npm install` with python3 >= 3.10 on PATH)", stderr);
  }
  const how = code !== null ? `exit code ${code}` : `signal ${signal}`;
  return new BridgeStartError(`the bridge process exited during start-up (${how})`, "read Python's stderr below; `npx vader doctor` checks the environment", stderr);
}
