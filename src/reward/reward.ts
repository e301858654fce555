import type { z } from "zod";
import { ConfigError } from "../errors.js";
import type { BridgeClient, CallOptions } from "../transport/bridge-client.js";
import { Tensor } from "../specs/tensor.js";
import { IMPLEMENTATIONS } from "../specs/implementations.js";
import type { FrameSelection } from "../specs/reward-options.js";
import { RewardSpecSchema, type RewardSpec } from "../specs/reward-spec.js";
import { rewardRequestAnswerer, type RewardFunction, type RewardFunctionOptions } from "./reward-function.js";

type Functions = ReadonlyMap<string, RewardFunction>;
const NO_FUNCTIONS: Functions = new Map();

/** Options of `Reward.python`. */
export interface PythonRewardOptions {
  /** Per frame (the default): which decoded frames the function is given. */
  frames?: z.input<typeof FrameSelection>;
  /** The function scores whole clips: it gets every frame, and a VADER trainer decodes them all. */
  wholeClip?: boolean;
}

/** Both sides' TypeScript functions; one name must not stand for two functions. */
function mergedFunctions(left: Functions, right: Functions): Functions {
  if (right.size === 0) return left;
  const merged = new Map(left);
  for (const [name, reward] of right) {
    if (merged.has(name) && merged.get(name) !== reward) {
      throw new ConfigError(`reward "${name}"`, [`two different TypeScript functions are both named "${name}"; give each its own name (it is its label in the metrics)`]);
    }
    merged.set(name, reward);
  }
  return merged;
}

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
  private constructor(
    readonly spec: RewardSpec,
    /** The TypeScript functions of this tree's `typescript` terms, by name (a spec cannot carry them). */
    private readonly functions: Functions = NO_FUNCTIONS,
  ) {}

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

  /**
   * A user's own Python function as a differentiable reward (the `python` reward): `module:function`
   * importable from the bridge's PYTHONPATH, or `path/to/file.py:function`. It is called with frames
   * [B, F, 3, H, W] in [0, 1] that keep the graph, and the prompts, and returns a score per video [B].
   * Every trainer can use it, VADER included; the metrics label it by the function's name.
   */
  static python(reference: string, options: PythonRewardOptions = {}): Reward {
    return Reward.named("python", { function: reference, ...options });
  }

  /**
   * A reward computed by a TypeScript function from decoded videos (uint8 [B, F, H, W, 3]) and
   * prompts, one number per video. Python asks this process for the scores during a fit or a
   * score; they have no gradient, so GRPO, DDPO and DPO train on it and VADER refuses it.
   * `name` is its label in the metrics. Sums with named rewards as any reward does.
   */
  static fromFunction(name: string, reward: RewardFunction, options: RewardFunctionOptions = {}): Reward {
    if (typeof reward !== "function") throw new ConfigError(`reward "${name}"`, ["the reward must be a function (videos, prompts) => scores"]);
    const checked = RewardSpecSchema.safeParse({ kind: "typescript", name, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
    if (!checked.success) throw ConfigError.fromZod(`TypeScript reward "${name}"`, checked.error);
    return new Reward(checked.data, new Map([[name, reward]]));
  }

  /** This reward multiplied by `factor`. */
  times(factor: number): Reward {
    return this.wrapping({ kind: "scaled", factor, reward: this.spec });
  }

  /** The sum of this reward and `other`; sums are kept flat, one term per reward. */
  plus(other: Reward): Reward {
    const terms = (reward: RewardSpec) => (reward.kind === "sum" ? reward.terms : [reward]);
    const functions = mergedFunctions(this.functions, other.functions);
    return new Reward(Reward.from({ kind: "sum", terms: [...terms(this.spec), ...terms(other.spec)] }).spec, functions);
  }

  /** This reward minus `other` (`other` enters the sum with factor -1). */
  minus(other: Reward): Reward {
    return this.plus(other.times(-1));
  }

  /** -|reward - target|: highest when this reward equals `target` (VADER and VideoX-Fun aim the aesthetic score at a value this way). */
  towards(target: number): Reward {
    return this.wrapping({ kind: "target", target, reward: this.spec });
  }

  /** This reward clamped to [min, max] (either bound may be left out); no gradient where it is clamped. */
  clamp(bounds: { min?: number; max?: number }): Reward {
    return this.wrapping({ kind: "clip", ...bounds, reward: this.spec });
  }

  /** A reward of `spec` (which wraps this one's) that keeps this one's TypeScript functions. */
  private wrapping(spec: unknown): Reward {
    return new Reward(Reward.from(spec).spec, this.functions);
  }

  /**
   * The options of a bridge call that may score this reward: its TypeScript terms' functions answer
   * Python's reward-requests. Throws ConfigError when a `typescript` term has no function here (a
   * spec read from JSON cannot carry one).
   */
  callOptions(): Required<Pick<CallOptions, "answer">> {
    const missing = typeScriptTerms(this.spec).filter((name) => !this.functions.has(name));
    if (missing.length > 0) {
      throw new ConfigError("reward", missing.map((name) => `the "${name}" term is a TypeScript function, which a spec cannot carry; build it in this program with Reward.fromFunction("${name}", fn)`));
    }
    return { answer: rewardRequestAnswerer(this.functions) };
  }

  /** Scores videos (uint8 [batch, frames, height, width, 3], as Model.sample returns); one score per video. */
  async score(bridge: BridgeClient, video: Tensor<"uint8">, prompts: string[] = []): Promise<Float32Array> {
    const { scores } = await bridge.call("reward.score", { reward: this.spec, video, prompts }, this.callOptions());
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
        case "typescript":
          return [{ name: describe(spec), weight, reward: new Reward(spec, this.functions) }];
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
      // A python reward is labelled by its function's name, as the metrics label it.
      return spec.name === "python" && typeof spec.options["function"] === "string" ? functionName(spec.options["function"]) : spec.name;
    case "typescript":
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

/** The function's own name in a `module:function` or `file.py:function` reference. */
function functionName(reference: string): string {
  return reference.slice(reference.lastIndexOf(":") + 1).split(".").pop() ?? reference;
}

/** The names of the `typescript` terms in a spec tree. */
function typeScriptTerms(spec: RewardSpec): string[] {
  switch (spec.kind) {
    case "typescript":
      return [spec.name];
    case "named":
      return [];
    case "sum":
      return spec.terms.flatMap(typeScriptTerms);
    default:
      return typeScriptTerms(spec.reward);
  }
}
