// Recipe 2: stop a run early from code, then look inside the model with the Python escape hatch.
// Run: npx tsx recipes/02-stop-early-and-inspect.ts
import { AbortError, Bridge, Model, Reward, Scheduler, Trainer } from "vader-sdk";

await using bridge = await Bridge.start();
await using model = await Model.tiny(bridge, { seed: 0 });
const prompts = (await bridge.call("prompts.builtIn", {})).prompts;
await using trainer = Trainer.vader({ model, reward: Reward.named("brightness"), scheduler: Scheduler.ddim({ steps: 10 }), lr: 1e-2 });

// Stop as soon as the reward is good enough; Python finishes the current step and saves it.
const enough = new AbortController();
const run = trainer.fit({ prompts, steps: 200, runDirectory: "recipe-02-run", signal: enough.signal });
try {
  for await (const step of run) {
    console.log(`step ${step.step}: reward ${step.reward.mean.toFixed(4)}`);
    if (step.reward.mean > 0.53) enough.abort();
  }
} catch (error) {
  if (!(error instanceof AbortError)) throw error;
  console.log(`stopped early: ${error.message}`);
}

// The escape hatch reaches the very objects the SDK holds: here, the UNet and its LoRA layers.
const unet = bridge.python.handle(model).unet;
const parameters = await unet.parameters();
let trainable = 0;
for await (const parameter of parameters) {
  if (await parameter.requires_grad) trainable += await parameter.numel();
}
console.log(`trainable (LoRA) parameters in the UNet: ${trainable}; model info says ${model.info.parameters.trainable}`);
const torch = await bridge.python.import("torch");
console.log(`torch threads in the bridge: ${await torch.get_num_threads()}`);
