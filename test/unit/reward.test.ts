import { describe, expect, it } from "vitest";
import { Reward } from "../../src/index.js";

describe("Reward composition", () => {
  it("builds a spec tree without touching the bridge", () => {
    const reward = Reward.named("brightness").times(0.5).plus(Reward.named("contrast"));
    expect(reward.spec).toEqual({
      kind: "sum",
      terms: [
        { kind: "scaled", factor: 0.5, reward: { kind: "named", name: "brightness", options: {} } },
        { kind: "named", name: "contrast", options: {} },
      ],
    });
    expect(String(reward)).toBe("0.5 * brightness + contrast");
  });

  it("is immutable: every method returns a new reward", () => {
    const base = Reward.named("brightness");
    const scaled = base.times(2);
    expect(base.spec).toEqual({ kind: "named", name: "brightness", options: {} });
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
