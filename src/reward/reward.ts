import { ConfigError } from "../errors.js";
import type { BridgeClient } from "../transport/bridge-client.js";
import { Tensor } from "../specs/tensor.js";
import { IMPLEMENTATIONS } from "../specs/implementations.js";
import { RewardSpecSchema, type RewardSpec } from "../specs/reward-spec.js";

/** One named reward inside a composed one, with its weight in the sum. */
export interface RewardTerm {
  name: string;
  weight: number;
  reward: Reward;
}

/**
 * A differentiable reward, as data. Compose with `times` and `plus`; nothing crosses the bridge
 * until a trainer or `score` needs it, and then Python builds the whole tree.
 */
export class Reward {
  private constructor(readonly spec: RewardSpec) {}

  /** A reward from its spec (the JSON that `toJSON` gives); throws ConfigError if the spec is invalid. */
  static from(spec: unknown): Reward {
    const parsed = RewardSpecSchema.safeParse(spec);
    if (!parsed.success) throw ConfigError.fromZod("reward spec", parsed.error);
    return new Reward(parsed.data);
  }

  /**
   * A reward the bridge registers by name. A built-in's options are checked (and defaulted) here;
   * other names (a Python plugin's) are checked in Python, and unknown ones fail there with the known list.
   */
  static named(name: string, options: Record<string, unknown> = {}): Reward {
    const schema = Object.hasOwn(IMPLEMENTATIONS.reward, name) ? IMPLEMENTATIONS.reward[name as keyof typeof IMPLEMENTATIONS.reward] : undefined;
    const parsed = schema?.safeParse(options);
    if (parsed && !parsed.success) throw ConfigError.fromZod(`options of reward "${name}"`, parsed.error);
    return Reward.from({ kind: "named", name, options: parsed ? parsed.data : options });
  }

  /** This reward multiplied by `factor`. */
  times(factor: number): Reward {
    return Reward.from({ kind: "scaled", factor, reward: this.spec });
  }

  /** The sum of this reward and `other`; sums are kept flat, one term per reward. */
  plus(other: Reward): Reward {
    const terms = (reward: RewardSpec) => (reward.kind === "sum" ? reward.terms : [reward]);
    return Reward.from({ kind: "sum", terms: [...terms(this.spec), ...terms(other.spec)] });
  }

  /** This reward minus `other` (`other` enters the sum with factor -1). */
  minus(other: Reward): Reward {
    return this.plus(other.times(-1));
  }

  /** -|reward - target|: highest when this reward equals `target` (VADER and VideoX-Fun aim the aesthetic score at a value this way). */
  towards(target: number): Reward {
    return Reward.from({ kind: "target", target, reward: this.spec });
  }

  /** This reward clamped to [min, max] (either bound may be left out); no gradient where it is clamped. */
  clamp(bounds: { min?: number; max?: number }): Reward {
    return Reward.from({ kind: "clip", ...bounds, reward: this.spec });
  }

  /** Scores videos (uint8 [batch, frames, height, width, 3], as Model.sample returns); one score per video. */
  async score(bridge: BridgeClient, video: Tensor<"uint8">, prompts: string[] = []): Promise<Float32Array> {
    const { scores } = await bridge.call("reward.score", { reward: this.spec, video, prompts });
    if (scores.dtype !== "float32") throw new TypeError(`reward.score returned ${scores.dtype}, expected float32`);
    return scores.data as Float32Array;
  }

  /**
   * The rewards this one sums, each with its weight (the product of the factors above it): the
   * reward is the sum of weight x term. A named reward is one term of weight 1; a target or clip is
   * one term, named after what it shapes.
   */
  terms(): RewardTerm[] {
    const collect = (spec: RewardSpec, weight: number): RewardTerm[] => {
      switch (spec.kind) {
        case "named":
        case "target":
        case "clip":
          return [{ name: describe(spec), weight, reward: Reward.from(spec) }];
        case "scaled":
          return collect(spec.reward, weight * spec.factor);
        case "sum":
          return spec.terms.flatMap((term) => collect(term, weight));
      }
    };
    return collect(this.spec, 1);
  }

  /**
   * Scores videos as `score` does, and each term on its own (unweighted), so that a sum shows what
   * moved it: reward hacking hides in a sum. `total[i]` is the sum of weight x term value.
   */
  async scoreTerms(bridge: BridgeClient, video: Tensor<"uint8">, prompts: string[] = []): Promise<{ total: Float32Array; terms: (RewardTerm & { values: Float32Array })[] }> {
    const total = await this.score(bridge, video, prompts);
    const terms = [];
    for (const term of this.terms()) terms.push({ ...term, values: await term.reward.score(bridge, video, prompts) });
    return { total, terms };
  }

  /** The reward's spec: plain data that `Reward.from` accepts. */
  toJSON(): RewardSpec {
    return this.spec;
  }

  /** A readable formula, e.g. `0.5 * aesthetic + brightness`. */
  toString(): string {
    return describe(this.spec);
  }
}

function describe(spec: RewardSpec): string {
  switch (spec.kind) {
    case "named":
      return spec.name;
    case "scaled":
      return `${spec.factor} * ${describe(spec.reward)}`;
    case "sum":
      return spec.terms.map(describe).join(" + ");
    case "target":
      return `-|${describe(spec.reward)} - ${spec.target}|`;
    case "clip":
      return `clip(${describe(spec.reward)}, ${spec.min ?? "-inf"}, ${spec.max ?? "inf"})`;
  }
}
