"""Where a reward's weights come from: a local path, or a Hugging Face hub id that is already in the
local cache. Never the network: a reward that is missing its files says what it looked for, where,
and the command that fetches them on a machine with network. Checkpoints load as safetensors, or with
`torch.load(weights_only=True)`; a pickle that would run code is refused.

A reference is one of:
  /path/to/folder-or-file           a local path (a folder from `save_pretrained`, or one weight file)
  org/name                          a hub repository in the cache (the whole snapshot)
  org/name/sub/file.pth             one file of a cached hub repository
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import torch

from ..digests import sha256_of
from ..protocol import InvalidArgument

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pth", ".pt", ".ckpt")


class WeightFilesMissing(InvalidArgument):
    """A reward's weights are neither at the local path nor in the Hugging Face cache (a bad input:
    the CLI reports it in one line with exit code 2)."""


class UnsafeCheckpoint(InvalidArgument):
    """A checkpoint whose unpickling would execute code."""


def hub_cache_folder() -> str:
    from huggingface_hub import constants

    return constants.HF_HUB_CACHE


def locate(reference: str, *, reward: str, option: str, fetch_hint: str | None = None) -> Path:
    """The local path of `reference` (see the module doc), or WeightFilesMissing naming where it looked."""
    path = Path(reference).expanduser()
    if path.exists():
        return path
    parts = reference.strip("/").split("/")
    looks_like_hub_id = not reference.startswith((".", "/", "~")) and len(parts) >= 2 and all(parts)
    if looks_like_hub_id:
        cached = _cached_hub_path(parts)
        if cached is not None:
            return cached
        repository, file = "/".join(parts[:2]), "/".join(parts[2:])
        fetch = fetch_hint or f"`hf download {repository}{' ' + file if file else ''}`"
        raise WeightFilesMissing(
            f"reward {reward!r} option {option!r}: {reference!r} is neither a local path ({path.resolve()}) nor in the "
            f"Hugging Face cache ({hub_cache_folder()}). The bridge never downloads: on a machine with network run {fetch}, "
            f"then copy the cache here (or set HF_HUB_CACHE to it), or pass the files' local path as {option!r}")
    hint = f" ({fetch_hint})" if fetch_hint else ""
    raise WeightFilesMissing(f"reward {reward!r} option {option!r}: {path.resolve()} does not exist; give the local path of "
                             f"the weights{hint}, or a hub id such as 'org/name' that is in the local Hugging Face cache")


def _cached_hub_path(parts: list[str]) -> Path | None:
    from huggingface_hub import hf_hub_download, snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    repository = "/".join(parts[:2])
    try:
        if len(parts) > 2:
            return Path(hf_hub_download(repository, "/".join(parts[2:]), local_files_only=True))
        return Path(snapshot_download(repository, local_files_only=True))
    except (LocalEntryNotFoundError, FileNotFoundError, ValueError, OSError):
        return None


def load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """A flat state dict from a safetensors file or a weights-only torch checkpoint (a `state_dict`
    wrapper key is unwrapped, as many training scripts save one)."""
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    try:
        loaded = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise UnsafeCheckpoint(f"{path} is a pickle that would execute code when loaded, so it is refused "
                               f"({str(error).splitlines()[0]}). Re-save its tensors as safetensors on a machine "
                               "where you trust the file, or use the original weights") from None
    if isinstance(loaded, dict) and isinstance(loaded.get("state_dict"), dict):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, dict) or not all(isinstance(value, torch.Tensor) for value in loaded.values()):
        raise ValueError(f"{path} holds {type(loaded).__name__}, not a state dict of tensors")
    return loaded


_digests: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    """sha256 of a weight file, or of a folder's weight files (names and contents), cached per file version."""
    path = Path(path)
    if path.is_dir():
        combined = hashlib.sha256()
        for file in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in WEIGHT_SUFFIXES):
            combined.update(f"{file.relative_to(path)}\0{file_digest(file)}\n".encode())
        return combined.hexdigest()
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _digests:
        _digests[key] = sha256_of(path)
    return _digests[key]

