import { ConfigError } from "../errors.js";
import { SchedulerConfig, type SchedulerConfigInput } from "./scheduler-config.js";

/** A denoising scheduler spec; Python builds the diffusers scheduler from it for each rollout. */
export class Scheduler {
  private constructor(readonly config: SchedulerConfig) {}

  static from(input: SchedulerConfigInput): Scheduler {
    const parsed = SchedulerConfig.safeParse(input);
    if (!parsed.success) throw ConfigError.fromZod("scheduler config", parsed.error);
    return new Scheduler(parsed.data);
  }

  /** DDIM (Song et al.) with stochasticity eta; VADER's default is eta = 1. */
  static ddim(options: { steps?: number; eta?: number } = {}): Scheduler {
    return Scheduler.from({ name: "ddim", ...options });
  }

  withSteps(steps: number): Scheduler {
    return Scheduler.from({ ...this.config, steps });
  }

  withEta(eta: number): Scheduler {
    return Scheduler.from({ ...this.config, eta });
  }

  toJSON(): SchedulerConfig {
    return this.config;
  }
}
