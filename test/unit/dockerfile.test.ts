// The CUDA image cannot be built here (no Docker engine): check that what it pins is what the
// project pins, so that it does not drift from requirements.txt and package.json.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";

const dockerfile = readFileSync(join(PACKAGE_ROOT, "Dockerfile"), "utf8");
const argument = (name: string) => dockerfile.match(new RegExp(`^ARG ${name}=(.+)$`, "m"))?.[1];

describe("Dockerfile", () => {
  it("installs the CUDA build of the torch version requirements.txt pins", () => {
    const requirements = readFileSync(join(PACKAGE_ROOT, "python-bridge", "requirements.txt"), "utf8");
    expect(argument("TORCH_VERSION")).toBe(requirements.match(/^torch==(.+)$/m)?.[1]);
    const cuda = argument("CUDA_IMAGE")?.match(/^nvidia\/cuda:(\d+)\.(\d+)\.\d+-cudnn-runtime-/);
    expect(cuda, "CUDA_IMAGE is an nvidia/cuda cudnn runtime image").not.toBeNull();
    expect(argument("TORCH_INDEX")).toBe(`https://download.pytorch.org/whl/cu${cuda?.[1]}${cuda?.[2]}`); // the wheel index of the image's CUDA
    expect(dockerfile).toContain("-r /tmp/requirements.txt");
  });

  it("runs Node of the major version package.json requires, and vader doctor by default", () => {
    const engines = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).engines.node as string;
    expect(argument("NODE_IMAGE")).toBe(`node:${engines.replace(">=", "")}-bookworm-slim`);
    expect(dockerfile).toMatch(/^ENV VADER_PYTHON=\/opt\/venv\/bin\/python$/m);
    expect(dockerfile).toMatch(/^CMD \["doctor"\]$/m);
  });
});
