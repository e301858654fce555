import { describe, expect, it } from "vitest";
import { EarlyStopConfig } from "../../src/specs/early-stop.js";
import { FitOptions } from "../../src/specs/fit-options.js";
import { VaderTrainerConfig } from "../../src/specs/trainers/vader-config.js";
import { TrainJobConfig, worldTrainJob } from "../../src/world/train-job.js";

const DIGIT = { kind: "named", name: "digit", options: {} } as const;

describe("VADER's guards against hacking", () => {
  it("leaves referencePenalty out by default, so a default config is unchanged", () => {
    expect(VaderTrainerConfig.parse({})).not.toHaveProperty("referencePenalty");
    expect(VaderTrainerConfig.parse({ referencePenalty: 0.5 }).referencePenalty).toBe(0.5);
  });

  it("refuses a negative referencePenalty, naming the fix", () => {
    const parsed = VaderTrainerConfig.safeParse({ referencePenalty: -1 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["referencePenalty"]);
    expect(parsed.error?.issues[0]?.message).toMatch(/must be 0 or more.*leave it out/);
  });

  it("fills early stopping's defaults and checks its bounds", () => {
    expect(EarlyStopConfig.parse({ reward: DIGIT })).toMatchObject({ samplesPerPrompt: 2, every: 10, patience: 3, minDelta: 0, keep: "best" });
    expect(EarlyStopConfig.safeParse({ reward: DIGIT, patience: 0 }).success).toBe(false);
    expect(EarlyStopConfig.safeParse({ reward: DIGIT, prompts: [] }).success).toBe(false);
    expect(FitOptions.parse({ prompts: ["a"] })).not.toHaveProperty("earlyStop");
  });

  it("carries both through a train job", () => {
    const job = TrainJobConfig.parse({ ...worldTrainJob("motion"), trainer: { referencePenalty: 1 }, earlyStop: { reward: DIGIT, every: 5 } });
    expect(job.trainer).toMatchObject({ referencePenalty: 1 });
    expect(job.earlyStop).toMatchObject({ every: 5, patience: 3 });
  });
});
