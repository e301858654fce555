"""Built-in training prompts: short animal/activity captions in the spirit of the VADER paper.

Every word here is in the offline tokenizer's vocabulary (a test checks it), so the tiny models
see real token ids rather than [UNK].
"""

from __future__ import annotations

ANIMAL_ACTIVITIES: list[str] = [
    "a dog playing a guitar on a porch",
    "a cat reading a book by the window",
    "a fox wearing a red hat and playing with leaves",
    "a raccoon holding a snowball in the snow",
    "a horse running across a green field",
    "a bear riding a bicycle in the park",
    "a panda eating bamboo in the forest",
    "a rabbit jumping over a small fence",
    "a lion resting in the shade of a big tree",
    "a deer eating grass in a thick forest",
    "a monkey playing the drums on the beach",
    "an owl flying under the stars at night",
    "a penguin sliding down a snowy hill",
    "a turtle swimming in the blue ocean",
    "a squirrel gathering nuts on a sunny day",
    "a duck dancing in the rain",
]

# Named sets, so a TypeScript job can say "animal-activities" instead of shipping the list.
PROMPT_SETS: dict[str, list[str]] = {"animal-activities": ANIMAL_ACTIVITIES}
