import { describe, expect, it } from "vitest";
import { Reward } from "../../src/index.js";

describe("Reward composition", () => {
  it("builds a spec tree without touching the bridge", () => {
    const reward = Reward.named("brightness").times(0.5).plus(Reward.named("contrast"));
    expect(reward.spec).toEqual({
      kind: "sum",
      terms: [
        { kind: "scaled", factor: 0.5, reward: { kind: "named", name: "brightness", options: { frames: { mode: "all" } } } },
        { kind: "named", name: "contrast", options: { frames: { mode: "all" } } },
      ],
    });
    expect(String(reward)).toBe("0.5 * brightness + contrast");
  });

  it("is immutable: every method returns a new reward", () => {
    const base = Reward.named("brightness");
    const scaled = base.times(2);
    expect(base.spec).toEqual({ kind: "named", name: "brightness", options: { frames: { mode: "all" } } });
    expect(scaled).not.toBe(base);
  });

  it("flattens sums and expresses minus as a negative weight", () => {
    const reward = Reward.named("brightness").plus(Reward.named("contrast")).minus(Reward.named("saturation"));
    expect(reward.spec.kind).toBe("sum");
    expect(reward.spec.kind === "sum" && reward.spec.terms.map((term) => term.kind)).toEqual(["named", "named", "scaled"]);
  });

  it("serialises to its spec", () => {
    const reward = Reward.named("brightness", { target: 0.4 }).times(2);
    expect(JSON.parse(JSON.stringify(reward))).toEqual(reward.spec);
    expect(Reward.from(JSON.parse(JSON.stringify(reward))).spec).toEqual(reward.spec);
  });
});

describe("Reward shaping and frame selection", () => {
  it("aims a reward at a target and clamps it, each one term of the sum", () => {
    const reward = Reward.named("brightness").towards(0.5).times(2).plus(Reward.named("contrast").clamp({ max: 0.2 }));
    expect(String(reward)).toBe("2 * -|brightness - 0.5| + clip(contrast, -inf, 0.2)");
    expect(reward.terms().map(({ name, weight }) => [name, weight])).toEqual([
      ["-|brightness - 0.5|", 2],
      ["clip(contrast, -inf, 0.2)", 1],
    ]);
  });

  it("refuses a clip without bounds or with crossed ones, naming the field", () => {
    expect(() => Reward.named("contrast").clamp({})).toThrow(/min, max or both/);
    expect(() => Reward.named("contrast").clamp({ min: 1, max: 0 })).toThrow(/max: must not be below min|max must not be below min/);
  });

  it("fills the frame selection and checks it", () => {
    expect(Reward.named("contrast").spec).toEqual({ kind: "named", name: "contrast", options: { frames: { mode: "all" } } });
    expect(Reward.named("brightness", { frames: { mode: "every", every: 4 } }).spec).toMatchObject({ options: { frames: { mode: "every", every: 4 } } });
    expect(() => Reward.named("brightness", { frames: { mode: "every", every: 0 } })).toThrow(/frames\.every/);
    expect(() => Reward.named("brightness", { frames: { mode: "indices", indices: [] } })).toThrow(/frames\.indices.*at least one frame index/);
  });

  it("requires what the paper's rewards cannot default", () => {
    expect(() => Reward.named("object-removal")).toThrow(/object/);
    expect(Reward.named("object-removal", { object: "dog" }).spec).toMatchObject({ options: { model: "hustvl/yolos-base", object: "dog" } });
    expect(() => Reward.named("temporal-consistency", { maskRatio: 1 })).toThrow(/maskRatio/);
  });
});
