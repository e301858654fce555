// Recipe 1: fine-tune the tiny text-to-video model with VADER, then compare samples.
// Run: npx tsx recipes/01-train-tiny.ts
import { Bridge, Model, Reward, Scheduler, Trainer, saveVideo, videoAt } from "vader-sdk";

await using bridge = await Bridge.start();
console.log(`Python ${bridge.info.python}, torch ${bridge.info.versions.torch} on ${bridge.info.device}`);

await using model = await Model.tiny(bridge, { seed: 0 });
const scheduler = Scheduler.ddim({ steps: 10, eta: 1 });
const reward = Reward.named("brightness").times(0.5).plus(Reward.named("contrast"));
const prompts = (await bridge.call("prompts.builtIn", {})).prompts;

// The same prompt and seed before and after training shows what the LoRA learned.
const preview = { prompts: ["a dog playing a guitar on a porch"], seed: 1234, scheduler };
const before = await model.sample(preview);
console.log(`before: ${reward} = ${(await reward.score(bridge, before))[0]?.toFixed(4)}`);
await saveVideo(bridge, videoAt(before, 0), "recipe-01-before.gif");

await using trainer = Trainer.vader({ model, reward, scheduler, truncation: { mode: "last", k: 1 }, lora: { rank: 8 }, lr: 1e-2 });
for await (const step of trainer.fit({ prompts, steps: 15 })) {
  console.log(`step ${step.step}: reward ${step.reward.mean.toFixed(4)} (grad norm ${step.gradNorm.toExponential(2)})`);
}

const after = await model.sample(preview);
console.log(`after:  ${reward} = ${(await reward.score(bridge, after))[0]?.toFixed(4)}`);
await saveVideo(bridge, videoAt(after, 0), "recipe-01-after.gif");
console.log(`LoRA saved to ${await model.saveLora("recipe-01-lora")}`);
