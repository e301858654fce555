// `npm run docs`: typedoc builds the API reference from src/index.ts with warnings as errors, so an
// export without a doc comment (or a broken link) fails here. Written to a temporary folder, not docs/api.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";

describe("npm run docs", () => {
  it("generates the API reference without a warning", async () => {
    const out = mkdtempSync(join(tmpdir(), "vader-api-docs-"));
    try {
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const child = spawn("npm", ["run", "docs", "--", "--out", out], { cwd: PACKAGE_ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
        child.once("error", reject);
        child.once("close", (exitCode) => resolve({ code: exitCode, output }));
      });
      expect(code, output).toBe(0);
      expect(output).not.toMatch(/\[warning\]/);
      for (const page of ["index.html", "classes/Bridge.html", "classes/Model.html", "functions/compare.html"]) {
        expect(existsSync(join(out, page)), page).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
