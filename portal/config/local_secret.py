"""A development secret kept in a file under instance/, made by whichever process needs it first.

Several processes start together on a fresh install (gunicorn's workers, a CLI command beside
them), and each found the file missing, wrote its own random value and went on with it: workers
signing sessions with different keys, or a worker reading the file between another's truncate
and write (an empty secret). The value is now written whole into a private temporary file and
published with a hard link, which fails when the file already exists, so every process reads the
one value that was published first.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The stripped text of `path`; a missing file is created (mode 0600) with `make()` first."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w") as out:  # mkstemp makes it 0600
                out.write(make())
            with contextlib.suppress(FileExistsError):  # another process published first
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
