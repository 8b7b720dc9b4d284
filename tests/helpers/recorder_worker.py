"""A recorder process for the reliability tests.

``python -m tests.helpers.recorder_worker PROJECT NAME SCENE SHOT TAKES FRAMES [GO_FILE]``: waits
for GO_FILE to exist (so several workers start together), then records TAKES takes of
FRAMES frames each (poses, camera, a 64x48 H.264 video) into the project, rating and
noting each take through the catalogue as it goes. Prints one JSON line per take
(``{"take": n, "frames": f}`` or ``{"error": "..."}``) and ``DONE`` at the end.

``python -m tests.helpers.recorder_worker --fill PROJECT`` records one long take with 256x192 video
until a RecordingError (the disk is full); prints ``FLUSH <records>`` after each
durable journal flush, ``FRAMES <n>`` periodically and ``STOPPED <message>``.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import numpy as np

_STDOUT = threading.Lock()


def _say(*words: object) -> None:
    """One whole line on stdout: the recorder's flush callback runs on its writer
    thread, and print()'s separate writes would interleave with the main thread's."""
    line = " ".join(str(w) for w in words) + "\n"
    with _STDOUT:
        sys.stdout.write(line)
        sys.stdout.flush()


def _pose(i: int, actor: int):
    from previzkit.core.types import Pose

    img = np.full((33, 3), 0.5, np.float32)
    img[:, 0] = np.arange(33) + i
    world = np.zeros((33, 3), np.float32)
    world[:, 1] = np.linspace(-0.8, 0.8, 33) + 0.001 * i
    world[:, 0] = actor
    return Pose(i / 24, actor, img, world, 0.9)


def _image(i: int, w: int, h: int, rng) -> np.ndarray:
    img = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)  # noise: nothing compresses
    img[..., 0] = (i * 8) % 256
    return img


def _camera(i: int):
    from previzkit.model.camera import Lens

    return ((0.01 * i, 1.6, 5.0), (0.0, 0.0, 0.0, 1.0), Lens(35.0, 24.89, 18.66, 4.0))


def record(project: str, name: str, scene: str, shot: str, takes: int, frames: int) -> None:
    from previzkit.core.errors import PrevizError
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    with TakeStore(project) as store:
        for k in range(takes):
            try:
                with Recorder(
                    store, scene, shot, rate="24", size=(64, 48), flush_interval=0.05, notes=name
                ) as rec:
                    for i in range(frames):
                        rec.frame(
                            _image(i, 64, 48, rng),
                            poses=[_pose(i, 0), _pose(i, 1)],
                            camera=_camera(i),
                            time_s=i / 24,
                        )
                take = rec.take
                store.rate(take.scene, take.shot, take.take, k % 6)
                store.note(take.scene, take.shot, take.take, f"{name} pass {k}")
                _say(json.dumps({"take": take.take, "frames": take.duration_frames}))
            except PrevizError as exc:
                _say(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
    _say("DONE")


def fill(project: str) -> None:
    import signal

    from previzkit.core.errors import RecordingError

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # RLIMIT_FSIZE fallback: EFBIG, no kill
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    rng = np.random.default_rng(5)
    store = TakeStore(project)

    def flushed(records: int) -> None:
        _say("FLUSH", records)

    rec = Recorder(
        store,
        "9",
        "9-A",
        rate="24",
        size=(256, 192),
        start_tc="01:00:00:00",
        flush_interval=0.05,
        on_flush=flushed,
    )
    rec.start()
    i = 0
    try:
        while True:
            rec.frame(
                _image(i, 256, 192, rng), poses=[_pose(i, 0)], camera=_camera(i), time_s=i / 24
            )
            i += 1
            if i % 10 == 0:
                _say("FRAMES", i)
                time.sleep(0.01)
            if i > 20000:
                _say("NEVER FULL")
                rec.stop()
                return
    except RecordingError as exc:
        _say("STOPPED", str(exc).replace("\n", " "))
        sys.exit(3)
    finally:
        store.close()


if __name__ == "__main__":
    if sys.argv[1] == "--fill":
        fill(sys.argv[2])
    else:
        project, name, scene, shot, takes, frames = sys.argv[1:7]
        if len(sys.argv) > 7:
            go = Path(sys.argv[7])
            end = time.monotonic() + 60
            while not go.exists() and time.monotonic() < end:
                time.sleep(0.005)
        record(project, name, scene, shot, int(takes), int(frames))
