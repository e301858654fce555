// A reward, a scheduler and a trainer registered from outside the package (one Python file each,
// loaded with VADER_BRIDGE_PLUGINS), used from TypeScript end to end: docs/extending.md's promise, kept.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bridge, ConfigError, Model, Reward, Scheduler, type StepMetrics, Tensor, Trainer } from "../../src/index.js";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";

const PLUGINS = join(PACKAGE_ROOT, "python-bridge", "tests", "plugins");
const prompts = ["a dog playing a guitar on a porch"];

describe("plugins", () => {
  let bridge: Bridge;
  beforeAll(async () => {
    const plugins = ["redness_reward.py", "deterministic_ddim.py", "reward_scaled_vader.py"].map((file) => join(PLUGINS, file));
    bridge = await Bridge.start({ env: { VADER_BRIDGE_PLUGINS: plugins.join(",") } });
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it("scores with a plugin reward, its options defaulted and checked in Python", async () => {
    const halfRed = new Tensor("uint8", [1, 2, 4, 4, 3], Uint8Array.from({ length: 96 }, (_, index) => (index % 3 === 0 ? 128 : 0)));
    expect((await Reward.named("test-redness").score(bridge, halfRed))[0]).toBeCloseTo(128 / 255, 5);
    expect((await Reward.named("test-redness", { weight: 2 }).score(bridge, halfRed))[0]).toBeCloseTo(256 / 255, 5);
    const error = await Reward.named("test-redness", { weight: 11 }).score(bridge, halfRed).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual(["reward.options.weight must be at most 10 (got 11)"]);
  });

  it("samples and trains with a plugin scheduler and a plugin reward", async () => {
    await using model = await Model.tiny(bridge, { seed: 0 });
    const plugin = Scheduler.named("test-deterministic-ddim", { steps: 4 });
    const sampled = async (scheduler: Scheduler) => Buffer.from((await model.sample({ prompts, seed: 3, scheduler })).data);
    // The plugin is DDIM with eta forced to 0: bit-identical to the built-in DDIM at eta 0, unlike eta 1.
    const viaPlugin = await sampled(plugin);
    expect(viaPlugin.equals(await sampled(Scheduler.ddim({ steps: 4, eta: 0 })))).toBe(true);
    expect(viaPlugin.equals(await sampled(Scheduler.ddim({ steps: 4, eta: 1 })))).toBe(false);

    await using trainer = Trainer.vader({ model, reward: Reward.named("test-redness", { weight: 3 }), scheduler: plugin, lr: 1e-2 });
    const steps = [];
    for await (const step of trainer.fit({ prompts, steps: 2 })) steps.push(step);
    expect(steps.map((step) => step.step)).toEqual([1, 2]);
    expect(steps.every((step) => Number.isFinite(step.reward.mean) && step.gradNorm > 0)).toBe(true);
    expect((await sampled(plugin)).equals(viaPlugin)).toBe(false); // the LoRA moved
  });

  it("a plugin scheduler's options are checked in Python", async () => {
    await using model = await Model.tiny(bridge, { seed: 0 });
    const scheduler = Scheduler.named("test-deterministic-ddim", { steps: 4, options: { trailing: "yes" } });
    const error = await model.sample({ prompts, scheduler }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual(["scheduler.options.trailing must be a boolean (got \"yes\")"]);
  });

  it("trains with a plugin trainer, its options checked in Python and its own metrics streamed", async () => {
    await using model = await Model.tiny(bridge, { seed: 0 });
    const options = { model, reward: Reward.named("brightness"), scheduler: Scheduler.ddim({ steps: 4, eta: 1 }), lr: 1e-2 };
    // Fresh adapters and one seed: both first steps score the same videos, one of them doubled.
    await using plain = Trainer.vader({ ...options, adapter: "plain" });
    await using scaled = Trainer.plugin("test-reward-scaled-vader", { ...options, adapter: "scaled", rewardScale: 2 });
    const first = async (trainer: { fit: (options: { prompts: string[]; steps: number }) => AsyncIterable<StepMetrics> }) => {
      for await (const step of trainer.fit({ prompts, steps: 1 })) return step;
      return undefined;
    };
    const plainStep = await first(plain);
    const scaledStep = await first(scaled);
    expect(scaledStep?.details.rewardScale).toBe(2);
    expect(scaledStep?.reward.mean).toBeCloseTo(2 * (plainStep?.reward.mean ?? Number.NaN), 5);
    expect(scaledStep?.gradNorm).toBeGreaterThan(0);
    await using refused = Trainer.plugin("test-reward-scaled-vader", { ...options, rewardScale: 0 });
    const error = await refused.fit({ prompts, steps: 1 }).result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual(["config.rewardScale must be greater than 0 (got 0)"]);
  });
});
