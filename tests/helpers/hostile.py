"""Shared by the hostile-peer tests: a tiny set, a pose source fed by the test, the
stage loop's per-step times and this process's memory."""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from previzkit.core.types import Pose
from previzkit.stage.sources import PoseSample
from tests.helpers import write_set

SIZE = (160, 90)  # output pixels: the loop's own cost stays small and steady

SET = """
name: hostile
stage: {width: 8, depth: 8, grid: 1.0}
default_camera: CAM
marks:
  A: {position: [0.0, 0.0]}
cameras:
  CAM: {lens: {focal_mm: 35}, position: [0.0, 1.3, 6.0], target: [0.0, 1.1, 0.0]}
characters:
  - {name: ALEX, model: mannequin, mark: A, yaw_deg: 0}
"""


def hostile_set(folder: Path) -> Path:
    return write_set(folder, SET, props=(), name="hostile.yaml")


class PushSource:
    """A live pose source the test pushes poses into (never finishes)."""

    fps = 30.0

    def __init__(self) -> None:
        self.queue: collections.deque[PoseSample] = collections.deque()

    def push(self, pose: Pose) -> None:
        now = time.time()
        self.queue.append(PoseSample(pose, now, now))

    def start(self) -> None:
        pass

    def poll(self) -> list[PoseSample]:
        out = list(self.queue)
        self.queue.clear()
        return out

    def wait(self, timeout: float) -> bool:
        return bool(self.queue)

    @property
    def finished(self) -> bool:
        return False

    def close(self) -> None:
        pass


def step_times(loop, n: int, before: Callable[[int], None]) -> list[float]:
    """Seconds per ``loop.step()`` over ``n`` frames, ``before(i)`` run before each."""
    out = []
    for i in range(n):
        before(i)
        t = time.perf_counter()
        assert loop.step()
        out.append(time.perf_counter() - t)
    return out


def p99(times: list[float]) -> float:
    return float(np.percentile(times, 99))


def rss_bytes() -> int:
    """This process's resident memory now (VmRSS, /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def interleaved(
    loop,
    baseline: Callable[[int], None],
    attack: Callable[[int], None],
    frames: int,
    blocks: int = 8,
) -> tuple[list[float], list[float], int, int]:
    """Step times of ``frames`` baseline and ``frames`` attack frames run in alternating
    blocks (so a change in the machine's load hits both alike), this process's memory
    after the first baseline block and its most after an attack block (bytes)."""
    base: list[float] = []
    hit: list[float] = []
    n = frames // blocks
    rss0 = rss_max = 0
    for b in range(blocks):
        base += step_times(loop, n, lambda i, b=b: baseline(b * n + i))
        rss0 = rss0 or rss_bytes()
        hit += step_times(loop, n, lambda i, b=b: attack(b * n + i))
        rss_max = max(rss_max, rss_bytes())
    return base, hit, rss0, rss_max
