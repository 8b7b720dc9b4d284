"""Durable, atomic files: a file is either its old content or its new, whole.

:func:`write_text_atomic` for text, used where losing or half-writing a file loses
someone's work (set files, shot plans, the blocking session's autosave journal);
:func:`replacing` for any file a writer makes from a path (renders, storyboards,
remuxed takes).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from previzkit.core.errors import InputError, MissingFileError


def write_text_atomic(
    path: str | Path, text: str, check: Callable[[Path], object] | None = None
) -> Path:
    """Write ``text`` (UTF-8) to ``path``: into a temporary file in the same folder,
    flushed to disk, checked by ``check(temporary path)`` (which raises to refuse it),
    renamed over ``path``, then the folder synced. The temporary file never stays
    behind; OSError and whatever ``check`` raises pass through, ``path`` untouched."""
    out = _target(path)
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name.lstrip('.')}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if check is not None:
            check(tmp)
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    _fsync_dir(out.parent)
    return out


def _target(path: str | Path) -> Path:
    """``path`` as a Path, refused where it cannot be written: its folder missing (or a
    file): :class:`MissingFileError` (an OSError too, as before); ``path`` a folder:
    :class:`InputError`."""
    out = Path(path)
    if not out.parent.is_dir():
        raise MissingFileError(f"output {out}: folder {out.parent} does not exist")
    if out.is_dir():
        raise InputError(f"output {out} is a folder; give a file name")
    return out


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """Write a file whole or not at all: yields a temporary path in ``path``'s folder
    with the same suffix (so a writer that picks its format from the suffix picks the
    same), for the caller to write; when the block ends normally it is fsynced and
    renamed over ``path`` (the folder synced); when it raises, it is removed and
    ``path`` is untouched (an interrupted render never leaves a truncated file)."""
    out = _target(path)
    fd, name = tempfile.mkstemp(
        dir=out.parent, prefix=f".{out.stem.lstrip('.')}.partial.", suffix=out.suffix
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if tmp.is_file():
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    _fsync_dir(out.parent)
