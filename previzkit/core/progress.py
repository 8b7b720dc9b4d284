"""Progress reporting for long jobs (pose extraction, training, render, export).

Library functions take an optional ``progress`` callable ``(done, total) -> None``;
the CLI passes :func:`bar` so users see a progress bar, tests pass nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

ProgressFn = Callable[[int, int | None], None]
T = TypeVar("T")


@contextmanager
def bar(description: str, total: int | None = None, unit: str = "frame") -> Iterator[ProgressFn]:
    """A tqdm progress bar on stderr, yielded as a ``(done, total)`` callback."""
    from tqdm import tqdm

    with tqdm(total=total, desc=description, unit=unit, dynamic_ncols=True, leave=True) as t:

        def update(done: int, total_now: int | None = None) -> None:
            if total_now is not None and t.total != total_now:
                t.total = total_now
            t.update(done - t.n)

        yield update


def track(items: Iterable[T], total: int | None, progress: ProgressFn | None) -> Iterator[T]:
    """Iterate ``items`` calling ``progress(done, total)`` after each one."""
    for i, item in enumerate(items, 1):
        yield item
        if progress is not None:
            progress(i, total)
