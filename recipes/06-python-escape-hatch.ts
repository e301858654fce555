// Recipe 6: the Python escape hatch.
// The SDK wraps what VADER needs; `bridge.python` reaches everything else in the bridge's own
// Python process: import a module, call it, and get at the very objects the SDK holds (a model's
// denoiser and the LoRA layers a trainer put in it). Plain values come back by value, everything
// else as a proxy (docs/python-escape-hatch.md).
//
// Run: npx tsx recipes/06-python-escape-hatch.ts              (under a minute on 2 CPU cores)
//      VADER_RECIPE_SMALL=1 npx tsx recipes/06-python-escape-hatch.ts   (the CI size)
// Look at: the LoRA count beside model.info's, the LoRA's norm, and the per-frame brightness.

// %% Imports.
import { Bridge, Model, PythonError, Reward, Scheduler, Trainer, WORLD_BASE_DIRECTORY, WORLD_TASKS } from "vader-sdk";

// %% Size: CI sets VADER_RECIPE_SMALL=1 (one training step is enough to put LoRA layers in).
const SMALL = process.env.VADER_RECIPE_SMALL === "1";
const steps = SMALL ? 1 : 10;

// %% Bridge, modules. `import` answers a proxy of the module; attribute chains are lazy and a call
// is one round trip. torch's version is a str subclass, so it comes back as a proxy: `$str()` is str().
await using bridge = await Bridge.start();
const torch = await bridge.python.import("torch");
const builtins = bridge.python.builtins;
const operator = await bridge.python.import("operator");
console.log(`torch ${await torch.__version__.$str()} in the bridge, ${await torch.get_num_threads()} threads`);

// %% Train a few VADER steps on the digit world, so that the denoiser carries a trained LoRA.
await using model = await Model.load(bridge, WORLD_BASE_DIRECTORY);
const scheduler = Scheduler.ddim({ steps: 10, eta: 1 });
await using trainer = Trainer.vader({ model, reward: Reward.named("digit"), scheduler, guidanceScale: 3, lr: 3e-3 });
for await (const step of trainer.fit({ prompts: [...WORLD_TASKS.digit.prompts], steps })) console.log(`step ${step.step}: reward ${step.reward.mean.toFixed(4)}`);

// %% Reach the model's denoiser: `handle(model)` is the model's Python object, `.denoiser` the
// module that carries the LoRA in every family (a UNet here, a transformer on Wan).
const denoiser = await bridge.python.handle(model).denoiser;
console.log(`denoiser: ${denoiser.$type}`);

// %% Count the LoRA parameters. Python's own map() does the work, so each list is one round trip
// and comes back by value (a list of str, of int, of bool) instead of a proxy per parameter.
const names = (await builtins.list(builtins.map(operator.itemgetter(0), denoiser.named_parameters()))) as string[];
const sizes = (await builtins.list(builtins.map(torch.numel, denoiser.parameters()))) as number[];
const trainable = (await builtins.list(builtins.map(operator.attrgetter("requires_grad"), denoiser.parameters()))) as boolean[];
let lora = 0;
let trainableCount = 0;
names.forEach((name, index) => {
  if (name.includes("lora_")) lora += sizes[index] ?? 0;
  if (trainable[index]) trainableCount += sizes[index] ?? 0;
});
const total = sizes.reduce((sum, value) => sum + value, 0);
console.log(`LoRA parameters: ${lora} of ${total} in the denoiser (trainable: ${trainableCount}; model.info says ${model.info.parameters.trainable} trainable)`);

// %% A torch op on a LoRA weight. B matrices start at zero, so their norm shows how far training
// moved the LoRA; `.item()` answers a plain number.
const firstB = names.find((name) => name.includes("lora_B"));
if (firstB !== undefined) {
  const norm = (await torch.linalg.vector_norm(denoiser.get_parameter(firstB)).item()) as number;
  console.log(`norm of ${firstB}: ${norm.toExponential(3)}`);
}

// %% A torch op on a video. A `Tensor` passed as an argument arrives as a torch tensor; `$tensor()`
// brings a torch tensor back as a `Tensor` (a raw frame, no JSON). Here: each frame's mean brightness.
const video = await model.sample({ prompts: ["digit 5 moving left"], seed: 1234, scheduler, guidanceScale: 3 });
await using pixels = await torch.as_tensor(video);
console.log(`video in torch: ${await pixels.dtype.$str()} ${JSON.stringify(await pixels.shape)}`);
await using perFrame = await pixels.float().div(255).mean$({ dim: [2, 3, 4] });
const brightness = await perFrame.$tensor();
console.log(`per-frame brightness: ${Array.from(brightness.data as Float32Array, (value) => value.toFixed(3)).join(" ")}`);

// %% A Python exception rejects with PythonError: its Python name, message and traceback.
try {
  await torch.zeros([2, 3]).reshape(7);
} catch (error) {
  if (!(error instanceof PythonError)) throw error;
  console.log(`PythonError: ${error.pythonName}: ${error.pythonMessage}`);
}
console.log(`objects the escape hatch holds in Python now: ${(await bridge.python.stats()).live}`);
