// `vader export-lora`: a run's LoRA as one file in another tool's keys (ComfyUI's for Wan).
import { dirname, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { Bridge } from "../bridge.js";
import { existingFolder, writableFolder } from "./inputs.js";
import { loraAt } from "./job-model.js";

interface ExportLoraArguments {
  run: string;
  format: "comfyui";
  out: string;
}

/** Writes the LoRA of a run (or a LoRA folder) to --out; resolves to the file's path. */
export async function exportLora(argv: ExportLoraArguments, print: (line: string) => void = console.log): Promise<string> {
  existingFolder("RUN", argv.run, "a run directory of vader train or vader compare, or a LoRA folder with peft's adapter_config.json");
  writableFolder("--out", dirname(resolve(argv.out)));
  await using bridge = await Bridge.start();
  const { loraDirectory } = await loraAt(bridge, argv.run);
  const written = await bridge.call("lora.export", { directory: loraDirectory, format: argv.format, out: resolve(argv.out) });
  print(`wrote ${written.path} (${written.tensors} tensors, ${argv.format} keys)`);
  return written.path;
}

export const exportLoraCommand: CommandModule<object, ExportLoraArguments> = {
  command: "export-lora <run>",
  describe: "Write a run's LoRA in another tool's format (ComfyUI keys for Wan); the run's lora/ already holds diffusers' pytorch_lora_weights.safetensors",
  builder: (yargs: Argv) =>
    yargs
      .positional("run", { type: "string", demandOption: true, describe: "run directory (its lora/ folder) or a LoRA folder" })
      .option("format", { choices: ["comfyui"] as const, default: "comfyui" as const, describe: "comfyui: diffusion_model.* keys with alpha (Wan)" })
      .option("out", { type: "string", demandOption: true, describe: "the .safetensors file to write" }) as unknown as Argv<ExportLoraArguments>,
  handler: async (argv: ArgumentsCamelCase<ExportLoraArguments>) => {
    await exportLora(argv);
  },
};
