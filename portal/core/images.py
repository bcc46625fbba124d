"""Decoding uploaded images: Pillow's own warnings about corrupt metadata are not errors."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_pillow() -> Iterator[None]:
    """Silence Pillow's UserWarnings (e.g. "Corrupt EXIF data") while an upload is decoded.

    Callers re-encode or verify the pixels themselves, so broken metadata never reaches storage;
    real decoding failures still raise (OSError, UnidentifiedImageError, DecompressionBombError).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield
