// The paper's rewards from TypeScript, on tiny random-weight checkpoints written in their original
// formats (node scripts/run-python.mjs tiny-rewards): a VADER run composed of all eight decodes
// what each needs, logs every term, records each weight file's digest, and moves the LoRA.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Bridge, Model, Reward, Scheduler, Trainer, saveVideo, videoAt, type StepMetrics } from "../../src/index.js";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";
import { score } from "../../src/cli/score.js";
import { train } from "../../src/cli/train.js";

function tinyRewardOptions(work: string): Record<string, Record<string, unknown>> {
  const written = execFileSync(process.execPath, [join(PACKAGE_ROOT, "scripts", "run-python.mjs"), "tiny-rewards", join(work, "weights")], { encoding: "utf8" });
  return JSON.parse(written) as Record<string, Record<string, unknown>>;
}

describe("the paper's rewards through the bridge", () => {
  it("trains on a composed reward of all eight, each term logged and recorded, and vader score scores them", async () => {
    const work = mkdtempSync(join(tmpdir(), "vader-paper-rewards-"));
    const options = tinyRewardOptions(work);

    await using bridge = await Bridge.start({ torchThreads: 1 });
    await using model = await Model.tiny(bridge, { frames: 4, height: 32, width: 32 });
    const reward = Reward.named("aesthetic", options.aesthetic)
      .towards(5)
      .plus(Reward.named("aesthetic-v2.5", options["aesthetic-v2.5"]))
      .plus(Reward.named("clip-score", options["clip-score"]))
      .plus(Reward.named("hpsv2", options.hpsv2))
      .plus(Reward.named("pickscore", { ...options.pickscore, frames: { mode: "every", every: 2 } }).times(0.01))
      .plus(Reward.named("object-removal", options["object-removal"]))
      .plus(Reward.named("action", options.action))
      .plus(Reward.named("temporal-consistency", options["temporal-consistency"]).times(0.1));
    const before = (await model.fingerprint()).lora;
    // No decodeFrames: whole-clip terms (action, temporal consistency) make the trainer decode every frame.
    await using trainer = Trainer.vader({ model, reward, scheduler: Scheduler.from({ steps: 3, eta: 1 }), lr: 1e-2, lora: { rank: 4 } });
    const history: StepMetrics[] = [];
    const runDirectory = join(work, "run");
    for await (const step of trainer.fit({ prompts: ["a cat drinking beer", "a dog playing piano"], steps: 2, runDirectory })) history.push(step);

    const labels = ["aesthetic", "aesthetic-v2.5", "clip-score", "hpsv2", "pickscore", "object-removal", "action", "temporal-consistency"];
    for (const step of history) {
      expect(Object.keys(step.rewardTerms)).toEqual(labels);
      for (const term of Object.values(step.rewardTerms)) expect(Number.isFinite(term.mean)).toBe(true);
      const { rewardTerms: terms } = step;
      const total = -Math.abs(terms.aesthetic!.mean - 5) + terms["aesthetic-v2.5"]!.mean + terms["clip-score"]!.mean + terms.hpsv2!.mean + 0.01 * terms.pickscore!.mean + terms["object-removal"]!.mean + terms.action!.mean + 0.1 * terms["temporal-consistency"]!.mean;
      expect(step.reward.mean).toBeCloseTo(total, 4); // batch 1: the mean of |x - 5| is |mean - 5|
    }
    expect(history.at(-1)!.gradNorm).toBeGreaterThan(0);
    expect((await model.fingerprint()).lora).not.toBe(before);

    // The same reward on a sampled video file, through the CLI's score verb: every term, and their sum.
    const video = join(work, "sample.mp4");
    await saveVideo(bridge, videoAt(await model.sample({ prompts: ["a cat drinking beer"], seed: 3 }), 0), video);
    const spec = join(work, "reward.json");
    writeFileSync(spec, JSON.stringify(reward.spec));
    const [scored] = await score({ videos: [video], rewardConfig: spec, prompt: "a cat drinking beer" }, () => undefined);
    expect(Object.keys(scored!.terms)).toHaveLength(8);
    for (const value of Object.values(scored!.terms)) expect(Number.isFinite(value)).toBe(true);

    const recorded = JSON.parse(readFileSync(join(runDirectory, "rewards.json"), "utf8")) as { terms: { label: string; files: Record<string, { sha256: string }> }[] };
    expect(recorded.terms.map((term) => term.label)).toEqual(labels);
    for (const term of recorded.terms) {
      expect(Object.keys(term.files).length).toBeGreaterThan(0);
      for (const file of Object.values(term.files)) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("vader train and vader score take a composed reward of two of them from a file", async () => {
    const work = mkdtempSync(join(tmpdir(), "vader-paper-rewards-cli-"));
    const options = tinyRewardOptions(work);
    const reward = Reward.named("aesthetic", options.aesthetic).towards(5).plus(Reward.named("clip-score", options["clip-score"]).times(2));
    const job = join(work, "job.json");
    const small = { model: { family: "text-to-video", seed: 0, frames: 4, height: 16, width: 16 }, trainer: { scheduler: { steps: 4, eta: 1 }, lr: 1e-2 } };
    writeFileSync(job, JSON.stringify({ ...small, reward: reward.spec, prompts: ["a cat drinking beer"] }));
    const run = await train({ runsDir: work, name: "composed", tiny: true, steps: 2, config: job }, () => undefined);
    const metrics = readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as StepMetrics);
    expect(metrics.map((step) => Object.keys(step.rewardTerms))).toEqual([["aesthetic", "clip-score"], ["aesthetic", "clip-score"]]);
    for (const step of metrics) {
      const { aesthetic, "clip-score": clip } = step.rewardTerms;
      expect(step.reward.mean).toBeCloseTo(-Math.abs(aesthetic!.mean - 5) + 2 * clip!.mean, 4);
    }

    const spec = join(work, "reward.json");
    writeFileSync(spec, JSON.stringify(reward.spec));
    const lines: string[] = [];
    const [scored] = await score({ videos: [join(run, "after-0.mp4")], rewardConfig: spec, prompt: "a cat drinking beer", json: true }, (line) => lines.push(line));
    expect(Object.keys(scored!.terms)).toEqual(["-|aesthetic - 5|", "clip-score"]);
    expect(scored!.reward).toBeCloseTo(scored!.terms["-|aesthetic - 5|"]! + 2 * scored!.terms["clip-score"]!, 5);
    expect(JSON.parse(lines[0]!)).toEqual(scored);
  });
});
