"""Large tensors through files in the bridge's private tmpfs folder (see src/transport/shared-memory.ts).

The folder is made 0700 by TypeScript and named in VADER_BRIDGE_SHM_DIR. Receiving maps the file
(no copy) and deletes its name at once; sending writes one copy into a fresh 0600 file.
"""

from __future__ import annotations

import mmap
import os
import re
import secrets
from typing import Any

NAME_PATTERN = re.compile(r"^[a-z0-9-]{1,64}$")


class SharedMemoryError(ValueError):
    """A descriptor named a shared-memory file that is missing, misnamed or the wrong size."""


class SharedMemory:
    def __init__(self, directory: str, threshold: int):
        self.directory, self.threshold = directory, threshold

    @classmethod
    def from_environment(cls) -> "SharedMemory | None":
        directory = os.environ.get("VADER_BRIDGE_SHM_DIR")
        if not directory or not os.path.isdir(directory):
            return None
        return cls(directory, int(os.environ.get("VADER_BRIDGE_SHM_THRESHOLD", str(32 << 20))))

    def read(self, name: Any, byte_length: int) -> memoryview:
        """Maps the file `name` (which must hold exactly `byte_length` bytes) and unlinks it."""
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise SharedMemoryError(f"shared-memory name {name!r} is not a plain file name")
        path = os.path.join(self.directory, name)
        try:
            descriptor = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
        except OSError as error:
            raise SharedMemoryError(f"shared-memory file {name} cannot be opened: {error.strerror}") from None
        try:
            os.unlink(path)
            size = os.fstat(descriptor).st_size
            if size != byte_length:
                raise SharedMemoryError(f"shared-memory file {name} has {size} bytes, the header declares {byte_length}")
            if size == 0:
                return memoryview(bytearray())
            # MAP_SHARED + writeable, so torch.from_numpy gets writeable memory without a copy.
            return memoryview(mmap.mmap(descriptor, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE))
        finally:
            os.close(descriptor)

    def write(self, data: memoryview) -> str:
        name = f"py-{secrets.token_hex(12)}"
        descriptor = os.open(os.path.join(self.directory, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = data.cast("B") if data.format != "B" else data
            written = 0
            while written < view.nbytes:
                written += os.write(descriptor, view[written:])
        finally:
            os.close(descriptor)
        return name


def discard_shared_memory(descriptors: Any, shared_memory: SharedMemory | None) -> None:
    """Deletes the files a refused message named, so they do not outlive it."""
    if shared_memory is None or not isinstance(descriptors, list):
        return
    for descriptor in descriptors:
        name = descriptor.get("shm") if isinstance(descriptor, dict) else None
        if isinstance(name, str) and NAME_PATTERN.match(name):
            try:
                os.unlink(os.path.join(shared_memory.directory, name))
            except FileNotFoundError:
                pass
