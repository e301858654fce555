// `vader score` on video files: the total of a composed reward equals the weighted sum of its
// terms, each term equals that reward scored alone, and .npy reads back the exact video scored.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { score } from "../../src/cli/score.js";
import { Bridge, Reward, Tensor, readVideo, saveVideo } from "../../src/index.js";

const scratch = mkdtempSync(join(tmpdir(), "vader-score-"));

/** A [frames, height, width, 3] video whose frames grow brighter, with a bright square (some contrast). */
function video(frames: number, size: number, base: number): Tensor<"uint8"> {
  const data = new Uint8Array(frames * size * size * 3);
  for (let frame = 0; frame < frames; frame++) {
    for (let row = 0; row < size; row++) {
      for (let column = 0; column < size; column++) {
        const inSquare = row < size / 2 && column < size / 2;
        data.fill(inSquare ? 250 : base + 10 * frame, ((frame * size + row) * size + column) * 3, ((frame * size + row) * size + column + 1) * 3);
      }
    }
  }
  return new Tensor("uint8", [frames, size, size, 3], data);
}

describe("vader score", () => {
  let bridge: Bridge;
  const files: Record<string, string> = {};
  const videos = { dim: video(4, 16, 20), bright: video(3, 24, 150) };
  beforeAll(async () => {
    bridge = await Bridge.start();
    for (const [name, tensor] of Object.entries(videos)) files[name] = await saveVideo(bridge, tensor, join(scratch, `${name}.npy`));
    files.gif = await saveVideo(bridge, videos.dim, join(scratch, "dim.gif"));
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it("reads a .npy back bit for bit", async () => {
    expect(Buffer.from((await readVideo(bridge, files.dim as string)).data).equals(Buffer.from(videos.dim.data))).toBe(true);
  });

  it("prints the total and each term of a composed reward, one JSON line per video", async () => {
    const composed = Reward.named("brightness").plus(Reward.named("contrast").times(0.5));
    const config = join(scratch, "reward.json");
    writeFileSync(config, JSON.stringify(composed.spec));
    const lines: string[] = [];
    const scores = await score({ videos: [files.dim as string, files.bright as string, files.gif as string], rewardConfig: config, json: true }, (line) => lines.push(line));
    expect(lines.map((line) => JSON.parse(line))).toEqual(scores);
    for (const [index, name] of (["dim", "bright"] as const).entries()) {
      const entry = scores[index];
      const tensor = videos[name];
      const alone = async (reward: Reward) => (await reward.score(bridge, new Tensor("uint8", [1, ...tensor.shape], tensor.data)))[0] ?? Number.NaN;
      expect(entry?.terms.brightness).toBeCloseTo(await alone(Reward.named("brightness")), 6);
      expect(entry?.terms.contrast).toBeCloseTo(await alone(Reward.named("contrast")), 6);
      expect(entry?.reward).toBeCloseTo((entry?.terms.brightness ?? 0) + 0.5 * (entry?.terms.contrast ?? 0), 5);
      expect(entry?.reward).toBeCloseTo(await alone(composed), 6);
    }
    expect((scores[1]?.terms.brightness ?? 0) > (scores[0]?.terms.brightness ?? 1)).toBe(true);
    // The GIF of the same video scores about the same (upscaled, palette-quantized).
    expect(scores[2]?.terms.brightness).toBeCloseTo(scores[0]?.terms.brightness ?? Number.NaN, 1);
  });

  it("prints a plain line per video for a named reward", async () => {
    const lines: string[] = [];
    await score({ videos: [files.bright as string], reward: "brightness", options: "{}" }, (line) => lines.push(line));
    expect(lines).toEqual([expect.stringMatching(/bright\.npy: brightness = 0\.\d{4}$/)]);
  });
});
