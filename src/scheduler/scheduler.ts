import { ConfigError } from "../errors.js";
import { SchedulerConfig, type SchedulerConfigInput } from "../specs/scheduler-config.js";

/** A denoising scheduler spec; Python builds the scheduler on the model's noise schedule for each call. */
export class Scheduler {
  private constructor(readonly config: SchedulerConfig) {}

  /** A scheduler from its config (the JSON that `toJSON` gives); throws ConfigError if it is invalid. */
  static from(input: SchedulerConfigInput): Scheduler {
    const parsed = SchedulerConfig.safeParse(input);
    if (!parsed.success) throw ConfigError.fromZod("scheduler config", parsed.error);
    return new Scheduler(parsed.data);
  }

  /** The model's own scheduler (DDIM on a diffusion model, flow-match on a flow model), with these steps and eta. */
  static modelDefault(options: { steps?: number; eta?: number } = {}): Scheduler {
    return Scheduler.from(options);
  }

  /** DDIM (Song et al.) with stochasticity eta; VADER's default is eta = 1. Diffusion models only. */
  static ddim(options: { steps?: number; eta?: number } = {}): Scheduler {
    return Scheduler.from({ name: "ddim", ...options });
  }

  /**
   * Flow matching (Wan): eta 0 is the Euler ODE step of diffusers' FlowMatchEulerDiscreteScheduler,
   * eta > 0 Flow-GRPO's SDE step with that noise level (0.7 in Flow-GRPO), which DDPO and GRPO need.
   */
  static flowMatch(options: { steps?: number; eta?: number } = {}): Scheduler {
    return Scheduler.from({ name: "flow-match", ...options });
  }

  /** A scheduler the bridge registers by name (a Python plugin's, say); its `options` are checked in Python. */
  static named(name: string, settings: { steps?: number; eta?: number; options?: Record<string, unknown> } = {}): Scheduler {
    return Scheduler.from({ name, ...settings });
  }

  /** The same scheduler with `steps` denoising steps. */
  withSteps(steps: number): Scheduler {
    return Scheduler.from({ ...this.config, steps });
  }

  /** The same scheduler with stochasticity `eta`. */
  withEta(eta: number): Scheduler {
    return Scheduler.from({ ...this.config, eta });
  }

  /** The scheduler's config: plain data that `Scheduler.from` accepts. */
  toJSON(): SchedulerConfig {
    return this.config;
  }
}
