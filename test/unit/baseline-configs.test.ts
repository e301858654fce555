// The baselines' configs: each accepts its defaults, and a bad value is refused naming the field,
// the problem and the fix, before anything reaches Python.
import { describe, expect, it } from "vitest";
import { DdpoTrainerConfig, DpoTrainerConfig, GrpoTrainerConfig, Reward, Scheduler, Trainer } from "../../src/index.js";
import type { Model } from "../../src/model/model.js";
import { issuesOf } from "../helpers.js";

const fakeModel = {} as Model; // the factories validate before they touch the model
const reward = Reward.named("brightness");

describe("baseline trainer configs", () => {
  it.each([
    ["DDPO", DdpoTrainerConfig],
    ["Diffusion-DPO", DpoTrainerConfig],
    ["GRPO", GrpoTrainerConfig],
  ])("%s parses {} and its defaults pass its own checks", (_name, schema) => {
    expect(schema.safeParse(schema.parse({})).success).toBe(true);
  });

  it("the factories take a Scheduler object, as Trainer.vader does", () => {
    const trainer = Trainer.grpo({ model: fakeModel, reward, scheduler: Scheduler.ddim({ steps: 6, eta: 0.5 }), groupSize: 3 });
    expect(trainer.algorithm).toBe("grpo");
    expect(trainer.config.scheduler).toEqual({ name: "ddim", steps: 6, eta: 0.5 });
    expect(trainer.config.groupSize).toBe(3);
  });

  it.each([
    ["DDPO on a deterministic sampler", () => Trainer.ddpo({ model: fakeModel, reward, scheduler: Scheduler.ddim({ eta: 0 }) }), /^scheduler\.eta must be greater than 0 for DDPO \(got 0\).*use eta 1/],
    ["GRPO on a deterministic sampler", () => Trainer.grpo({ model: fakeModel, reward, scheduler: Scheduler.ddim({ eta: 0 }) }), /^scheduler\.eta must be greater than 0 for GRPO/],
    ["DDPO statistics that would never be used", () => Trainer.ddpo({ model: fakeModel, reward, perPromptStats: { bufferSize: 4, minCount: 8 } }), /^perPromptStats\.minCount must be at most bufferSize \(got 8 > 4\).*raise bufferSize$/],
    ["DDPO training more steps than the chain has", () => Trainer.ddpo({ model: fakeModel, reward, timestepFraction: 1.5 }), /^timestepFraction must be greater than 0 and at most 1 \(got 1\.5\)$/],
    ["GRPO groups of one", () => Trainer.grpo({ model: fakeModel, reward, groupSize: 1 }), /^groupSize must be between 2 and 256 \(got 1\)$/],
    ["GRPO with a negative KL weight", () => Trainer.grpo({ model: fakeModel, reward, klCoefficient: -1 }), /^klCoefficient must be 0 or more \(got -1\)$/],
    ["DPO with one candidate per prompt", () => Trainer.dpo({ model: fakeModel, reward, samplesPerPrompt: 1 }), /^samplesPerPrompt must be between 2 and 256 \(got 1\)$/],
    ["DPO with beta 0", () => Trainer.dpo({ model: fakeModel, reward, beta: 0 }), /^beta must be positive \(got 0\)$/],
  ])("%s", (_case, create, pattern) => {
    expect(issuesOf(create)).toEqual([expect.stringMatching(pattern)]);
  });

  it("names the algorithm in the error", () => {
    expect(() => Trainer.dpo({ model: fakeModel, reward, beta: 0 })).toThrow(/^Invalid Diffusion-DPO trainer config:/);
  });
});
