from __future__ import annotations

from transformers import AutoTokenizer

from vader_bridge.models.tokenizer import DEFAULT_MAX_LENGTH, build_word_tokenizer, tokenize
from vader_bridge.prompts import ANIMAL_ACTIVITIES, PROMPT_SETS


def test_built_in_prompts_are_fully_in_the_vocabulary_and_fit():
    tokenizer = build_word_tokenizer()
    ids = tokenize(tokenizer, ANIMAL_ACTIVITIES)
    assert ids.shape == (len(ANIMAL_ACTIVITIES), DEFAULT_MAX_LENGTH)
    assert not (ids == tokenizer.unk_token_id).any()
    # Every prompt ends with its end token, so none was truncated.
    assert ((ids == tokenizer.eos_token_id).sum(dim=1) == 1).all()
    assert PROMPT_SETS["animal-activities"] == ANIMAL_ACTIVITIES


def test_lowercases_and_splits_punctuation():
    tokenizer = build_word_tokenizer()
    assert tokenize(tokenizer, ["A Dog, playing!"]).tolist() == tokenize(tokenizer, ["a dog , playing !"]).tolist()


def test_unknown_words_and_empty_prompts():
    tokenizer = build_word_tokenizer()
    unknown, empty = tokenize(tokenizer, ["a zyzzyva", ""]).tolist()
    assert unknown[:4] == [tokenizer.bos_token_id, tokenizer.convert_tokens_to_ids("a"), tokenizer.unk_token_id,
                           tokenizer.eos_token_id]
    assert empty == [tokenizer.bos_token_id, tokenizer.eos_token_id] + [tokenizer.pad_token_id] * (DEFAULT_MAX_LENGTH - 2)


def test_long_prompts_are_truncated_to_max_length():
    tokenizer = build_word_tokenizer()
    ids = tokenize(tokenizer, [" ".join(["dog"] * 40)])
    assert ids.shape == (1, DEFAULT_MAX_LENGTH)
    assert ids[0, -1].item() == tokenizer.eos_token_id


def test_save_pretrained_round_trip(tmp_path):
    tokenizer = build_word_tokenizer()
    tokenizer.save_pretrained(tmp_path)
    reloaded = AutoTokenizer.from_pretrained(tmp_path)
    prompts = ANIMAL_ACTIVITIES + ["", "A Zyzzyva, dancing!"]
    assert reloaded.get_vocab() == tokenizer.get_vocab()
    assert reloaded.model_max_length == tokenizer.model_max_length
    assert tokenize(reloaded, prompts).tolist() == tokenize(tokenizer, prompts).tolist()
