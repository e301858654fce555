// TensorBoard logs of a run: a fit writes its own scalars (FitOptions.tensorboardDirectory); samples
// go in through here. Both are written in Python (python-bridge/vader_bridge/tensorboard_log.py).
import type { Tensor } from "../specs/tensor.js";
import type { BridgeClient } from "../transport/bridge-client.js";

/** One video (uint8 [frames, height, width, 3]) as an animated GIF in the TensorBoard log in `directory`, under `tag` at x = `step`. */
export async function addTensorBoardVideo(
  bridge: BridgeClient,
  directory: string,
  tag: string,
  video: Tensor<"uint8">,
  options: { step?: number; fps?: number } = {},
): Promise<void> {
  await bridge.call("tensorboard.addVideo", { directory, tag, video, step: options.step ?? 0, fps: options.fps ?? 8 });
}
