"""The default VADER job: what `vader` trains when the user names nothing.

Tuned on the tiny random-weight model (`TextToVideoModel.tiny(seed=0)`, 8 frames, 32x32) on a
2-core CPU: 20 steps take about 20 s and lift mean brightness from about 0.47 to about 0.56.
Notes from the tuning:
- The gradient reaching LoRA through one DDIM step is tiny (norm ~1e-5), so AdamW's scale
  invariance does the work and lr must be larger than the paper's 2e-4: 1e-2 climbs steadily,
  3e-2 climbs faster but then stalls at the same level, 1e-3 barely moves in 20 steps.
- K=1 ("last"), as in the paper, is as good here as K=2 or "rand" up to 10, and the cheapest.
- Brightness moves most clearly; contrast, saturation and colorfulness also climb but less in 20 steps.
"""

from __future__ import annotations

DEFAULT_VADER_JOB: dict = {
    "model": {"family": "text-to-video", "tiny": {"seed": 0, "frames": 8, "height": 32, "width": 32}},
    "reward": {"kind": "named", "name": "brightness", "options": {}},
    "scheduler": {"name": "ddim", "steps": 10, "eta": 1.0},
    "truncation": {"mode": "last", "k": 1},
    "lora": {"rank": 8, "alpha": None, "target_modules": ["to_q", "to_k", "to_v", "to_out.0"]},
    "lr": 1e-2,
    "weight_decay": 0.0,
    "max_grad_norm": 1.0,
    "grad_accumulation": 1,
    "batch_size": 1,
    "guidance_scale": 1.0,
    "decode_frames": {"mode": "random", "count": 1},
    "seed": 0,
    "checkpointing": True,
    "steps": 20,
    "prompts": "animal-activities",  # vader_bridge.prompts.ANIMAL_ACTIVITIES
}
