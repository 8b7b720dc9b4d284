"""Logging dropped network messages without letting a flood of them flood the log
(formatting and writing a log record costs more than decoding the message)."""

from __future__ import annotations

import logging
import time


class DropLog:
    """Logs the first ``burst`` drops, then at most one line per ``interval`` s saying
    how many were dropped since (the counters in the stats hold every one)."""

    def __init__(self, log: logging.Logger, what: str, burst: int = 10, interval: float = 5.0):
        self.log = log
        self.what = what
        self.burst = burst
        self.interval = interval
        self._logged = 0
        self._quiet = 0
        self._next = 0.0

    def dropped(self, reason: object, *, error: bool = False) -> None:
        """One message dropped for ``reason``; ``error`` logs the traceback too."""
        now = time.monotonic()
        if self._logged < self.burst or now >= self._next:
            more = f" (and {self._quiet} more since the last line)" if self._quiet else ""
            self.log.log(
                logging.ERROR if error else logging.WARNING,
                "%s: dropped: %s%s",
                self.what,
                reason,
                more,
                exc_info=error,
            )
            self._logged += 1
            self._quiet = 0
            if self._logged >= self.burst:
                self._next = now + self.interval
        else:
            self._quiet += 1
