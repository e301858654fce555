// Prompts from a --prompts file, and the LoRA (and the run's recorded job) that a --lora path names.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import { Run } from "../run/run.js";
import type { RunRecord } from "../specs/run-record.js";
import type { BridgeClient } from "../transport/bridge-client.js";

/** Prompts from a text file: one per line, blank lines and lines starting with # skipped. */
export function promptsFromText(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"));
}

/**
 * A --lora path: a run directory (its LoRA in lora/, its job in config.json), a plain LoRA folder
 * (peft's pair, or a stock pipeline's pytorch_lora_weights.safetensors), or a .safetensors LoRA file.
 */
export async function loraAt(bridge: BridgeClient, path: string): Promise<{ loraDirectory: string; run?: RunRecord }> {
  const plain = ["adapter_config.json", "pytorch_lora_weights.safetensors"].some((file) => existsSync(join(path, file)));
  if (plain || path.toLowerCase().endsWith(".safetensors")) return { loraDirectory: path };
  const run = await Run.load(bridge, path);
  if (!run.loraDirectory) throw new ConfigError("--lora", [`${path} holds no LoRA yet (no lora/ folder): train until a save point first`]);
  return { loraDirectory: run.loraDirectory, run };
}
