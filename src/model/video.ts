import type { BridgeClient } from "../transport/bridge-client.js";
import { Tensor } from "../specs/tensor.js";

/** Video `index` of a batch [batch, frames, height, width, 3], as a view (no copy). */
export function videoAt(batch: Tensor<"uint8">, index: number): Tensor<"uint8"> {
  const [count, ...frameShape] = batch.shape;
  if (count === undefined || batch.shape.length !== 5 || index < 0 || index >= count) {
    throw new RangeError(`videoAt: index ${index} is outside a batch of shape [${batch.shape.join(", ")}]`);
  }
  const size = frameShape.reduce((product, dimension) => product * dimension, 1);
  return new Tensor("uint8", frameShape, batch.data.subarray(index * size, (index + 1) * size));
}

/** Writes one video (uint8 [frames, height, width, 3]) as a looping GIF, an H.264 `.mp4`, or losslessly as `.npy`, by the path's suffix. */
export async function saveVideo(bridge: BridgeClient, video: Tensor<"uint8">, path: string, options: { fps?: number } = {}): Promise<string> {
  return (await bridge.call("video.write", { video, path, fps: options.fps ?? 8 })).path;
}

/** Writes a batch of videos (uint8 [B, frames, height, width, 3]) as one PNG grid, a row per video with its caption. */
export async function saveVideoGrid(bridge: BridgeClient, videos: Tensor<"uint8">, path: string, captions?: string[]): Promise<string> {
  return (await bridge.call("video.writeGrid", { video: videos, path, captions: captions ?? null })).path;
}

/** Reads a video file (.gif or .mp4, every frame as RGB; or .npy, uint8 [frames, height, width, 3]) as uint8 [frames, height, width, 3]. */
export async function readVideo(bridge: BridgeClient, path: string): Promise<Tensor<"uint8">> {
  const { video } = await bridge.call("video.read", { path });
  if (video.dtype !== "uint8") throw new TypeError(`video.read returned ${video.dtype}, expected uint8`);
  return video as Tensor<"uint8">;
}
