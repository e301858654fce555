"""The digit world: Moving-MNIST clips from real handwritten digits, a base text-to-video model
pretrained on them, learned rewards, and an independent judge (see docs/world.md)."""
