"""Saving the shared set state off the render thread.

A save (a set file read, updated and written atomically: ~40 ms) on the render thread
drops frames, and any view may ask every other view to save, as often as it likes.
:class:`SetSaver` copies the state's objects on the caller's thread (cheap) and writes
them in a worker thread, at most one write per ``interval`` s; requests made while a
write is waiting or running are folded into the next one. A failed save is logged and
counted; the loop goes on.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from pathlib import Path
from typing import Any

from previzkit.stage.state import SetState

log = logging.getLogger(__name__)

SAVE_INTERVAL_S = 1.0


def _frozen(state: SetState) -> SetState:
    """A copy of ``state`` whose objects the render thread no longer changes."""
    snap = copy.copy(state)
    snap.objects = copy.deepcopy(state.objects)
    snap.base = copy.deepcopy(state.base)
    snap.tombstones = copy.deepcopy(state.tombstones)
    snap.versions = dict(state.versions)
    snap.log = list(state.log[-1000:])
    return snap


class SetSaver:
    """Saves ``state`` into the set file ``path`` in the background (see the module).

    Call the saver to ask for a save; :meth:`close` waits for the last one. ``saved``
    is the file written last, ``saves`` and ``failed`` count writes."""

    def __init__(self, state: SetState, path: str | Path, interval: float = SAVE_INTERVAL_S):
        self.state = state
        self.path = Path(path)
        self.interval = interval
        self.saved: Path | None = None
        self.saves = 0
        self.failed = 0
        self._pending: SetState | None = None
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._closing = False
        self._thread: threading.Thread | None = None

    def __call__(self) -> None:
        snap = _frozen(self.state)
        with self._lock:
            self._pending = snap  # a newer copy replaces one not yet written
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="set-save", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        from previzkit.stage.set_save import save_set_state

        last = -self.interval
        while True:
            with self._lock:
                while self._pending is None and not self._closing:
                    self._wake.wait()
                if self._pending is None:
                    return
                delay = last + self.interval - time.monotonic()
                if delay > 0 and not self._closing:
                    self._wake.wait(delay)
                    continue
                snap, self._pending = self._pending, None
            try:
                self.saved = save_set_state(snap, self.path)
                self.saves += 1
                log.info("set state saved to %s", self.saved)
            except Exception as exc:
                self.failed += 1
                log.error("set state: save failed, the view goes on: %s", exc)
            last = time.monotonic()

    def close(self, timeout: float = 30.0) -> None:
        """Write what is still asked for, then stop the worker."""
        with self._lock:
            self._closing = True
            self._wake.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def __enter__(self) -> SetSaver:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
