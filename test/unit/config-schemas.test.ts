import { describe, expect, it } from "vitest";
import { Reward, Scheduler, Trainer, VaderTrainerConfig } from "../../src/index.js";
import { FitOptions } from "../../src/specs/fit-options.js";
import { TruncationConfig } from "../../src/specs/trainers/vader-config.js";
import { LoraConfig } from "../../src/specs/trainers/shared-fields.js";
import { SchedulerConfig } from "../../src/specs/scheduler-config.js";
import { RewardSpecSchema } from "../../src/specs/reward-spec.js";
import { TextToVideoTinyOptions } from "../../src/specs/model-config.js";
import { METHODS } from "../../src/protocol/methods.js";
import { TrainJobConfig } from "../../src/world/train-job.js";
import { resolveTrainJob } from "../../src/cli/train.js";
import type { Model } from "../../src/model/model.js";
import { issuesOf } from "../helpers.js";

const fakeModel = {} as Model; // Trainer.vader validates before it touches the model

describe("schemas accept their defaults", () => {
  it.each([
    ["VaderTrainerConfig", VaderTrainerConfig],
    ["TruncationConfig", TruncationConfig],
    ["LoraConfig", LoraConfig],
    ["TrainJobConfig", TrainJobConfig],
    ["TextToVideoTinyOptions", TextToVideoTinyOptions],
    ["model.create params (a tiny model)", METHODS["model.create"].params.extend({}).pick({ device: true, precision: true })],
  ])("%s parses {}", (_name, schema) => {
    expect(schema.safeParse({}).success).toBe(true);
  });

  it("fills VADER's defaults", () => {
    const config = VaderTrainerConfig.parse({});
    expect(config.scheduler).toEqual({ steps: 25, eta: 1 });
    expect(config.truncation).toEqual({ mode: "last", k: 1, stopInputGradient: false });
    expect(config.decodeFrames).toBeUndefined(); // resolved in Python from what the reward needs
    expect(config.maxGradNorm).toBe(1);
    expect(SchedulerConfig.parse({ name: "ddim" })).toEqual({ name: "ddim", steps: 25, eta: 1 });
    expect(SchedulerConfig.parse({})).toEqual({ steps: 25, eta: 1 }); // no name: the model's own scheduler
    expect(FitOptions.parse({ prompts: ["a cat"] }).steps).toBe(20);
  });
});

describe("schemas reject bad values and name the field", () => {
  it("truncation.k above the number of denoising steps", () => {
    const issues = issuesOf(() =>
      Trainer.vader({ model: fakeModel, reward: Reward.named("brightness"), scheduler: Scheduler.ddim({ steps: 10 }), truncation: { mode: "last", k: 50 } }),
    );
    expect(issues).toEqual([expect.stringMatching(/^truncation\.k must be between 1 and scheduler\.steps \(got 50 > 10\)/)]);
  });

  it.each([
    [{ lr: 5 }, /^lr must be between 1e-8 and 1 \(learning rate\) \(got 5\)$/],
    [{ lora: { rank: 0 } }, /^lora\.rank must be between 1 and 512 \(got 0\)$/],
    [{ lora: { rank: 2.5 } }, /^lora\.rank must be a whole number \(got 2\.5\)$/],
    [{ truncation: { mode: "first", k: 1 } }, /^truncation\.mode: /],
    [{ gradAccumulation: 0 }, /^gradAccumulation must be between 1 and 1024 \(got 0\)$/],
    [{ decodeFrames: { mode: "random", count: 0 } }, /^decodeFrames\.count must be between 1 and 1024 \(got 0\)$/],
    [{ unknownField: 1 }, /unknownField/],
  ])("%j", (input, pattern) => {
    const issues = issuesOf(() => Trainer.vader({ model: fakeModel, reward: Reward.named("brightness"), ...(input as object) }));
    expect(issues.some((issue) => pattern.test(issue))).toBe(true);
  });

  it("tiny model options", () => {
    expect(TextToVideoTinyOptions.safeParse({ height: 30 }).error?.issues[0]?.message).toBe("must be a multiple of 4 (the VAE halves it, the UNet halves it again)");
    expect(TextToVideoTinyOptions.safeParse({ height: 36 }).success).toBe(true);
  });

  it("scheduler steps and eta", () => {
    expect(issuesOf(() => Scheduler.ddim({ steps: 0 }))).toEqual(["steps must be between 1 and 1000 (got 0)"]);
    expect(issuesOf(() => Scheduler.ddim({ eta: 2 }))).toEqual(["eta must be between 0 (deterministic) and 1 (DDPM-like for DDIM) (got 2)"]);
  });

  it("reward specs, and a built-in reward's own options", () => {
    expect(issuesOf(() => Reward.named("Bright Ness"))).toEqual([expect.stringMatching(/^name must be a reward name/)]);
    expect(issuesOf(() => Reward.named("brightness", { target: 2 }))).toEqual(["target: Too big: expected number to be <=1"]);
    expect(issuesOf(() => Reward.named("brightness", { tagret: 0.5 }))).toEqual([expect.stringMatching(/Unrecognized key: "tagret"/)]);
    expect(Reward.named("testing-exception").spec).toMatchObject({ options: { message: expect.stringMatching(/on purpose/) } });
    expect(Reward.named("a-python-plugin", { anything: 1 }).spec).toMatchObject({ options: { anything: 1 } }); // checked in Python
    expect(issuesOf(() => Reward.named("brightness").times(Number.NaN))).toEqual([expect.stringMatching(/^factor/)]);
    expect(RewardSpecSchema.safeParse({ kind: "sum", terms: [] }).success).toBe(false);
  });

  it("fit options", () => {
    expect(FitOptions.safeParse({ prompts: [] }).error?.issues[0]?.message).toBe("must list at least one prompt");
  });

  it("the train job names the file it came from", () => {
    expect(() => resolveTrainJob({ runsDir: "runs", steps: -1 })).toThrow(/Invalid train job:\n {2}- steps/);
  });

  it("every message lists all problems at once", () => {
    const issues = issuesOf(() => Trainer.vader({ model: fakeModel, reward: Reward.named("brightness"), lr: -1, batchSize: 0 }));
    expect(issues).toHaveLength(2);
    expect(issues.join("\n")).toMatch(/lr.*\n.*batchSize|batchSize.*\n.*lr/);
  });
});
