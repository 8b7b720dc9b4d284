"""A second stage view for the sharing test, run as its own process:
``python -m tests.helpers.view_process SET TRACK PEER OUT.json``.

It binds its set-state socket on a free port and prints ``endpoint <addr>``, runs the
stage loop in real time (30 fps, offscreen), and when the other view's edit of mark A
arrives it records the frame, keeps that frame's and the previous frame's images, and
answers by moving the prop ``ball``. When asked to save, it saves the set file and
stops. Everything it saw goes to OUT.json (+ OUT.npz images).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np


def main(set_path: str, track: str, peer: str, out: str) -> None:
    from previzkit.model.setfile import load_set
    from previzkit.render.headless import create_context
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.set_save import save_set_state
    from previzkit.stage.sources import TrackSource
    from previzkit.stage.state import SetState
    from previzkit.stage.sync import StateSync

    set_def = load_set(set_path)
    state = SetState.from_set(set_def, "viewB")
    flags: dict = {"saved": None}

    def on_save() -> None:
        flags["saved"] = str(save_set_state(state, set_path))

    sync = StateSync(state, set_def.name, "tcp://127.0.0.1:0", [peer], on_save=on_save)
    print("endpoint", sync.endpoint, flush=True)
    ctx = create_context()
    images: dict[int, np.ndarray] = {}
    start = tuple(state.get("mark/A")["position"])
    result: dict = {"moved_frame": None}

    def on_frame(i: int, img: np.ndarray) -> None:
        images[i] = img.copy()
        images.pop(i - 3, None)
        if i == 10:
            print("ready", flush=True)
        if result["moved_frame"] is None and tuple(state.get("mark/A")["position"]) != start:
            result["moved_frame"] = i
            result["images"] = {i - 1: images[i - 1], i: images[i]}
            sync.edit("prop/ball", position=[-1.5, 0.0, 1.0])

    opts = StageOptions(320, 180, fps=30.0, realtime=True, writer="viewB")
    loop = StageLoop(
        ctx, set_def, TrackSource(track, loop=True), opts, on_frame=on_frame, state=state, sync=sync
    )
    end = time.monotonic() + 60
    while flags["saved"] is None and time.monotonic() < end:
        loop.step()
    cam = loop.camera()
    applied = [(e.key, e.wall, t) for e, t in sync.last_applied]
    loop.close()
    sync.close()
    k = result["moved_frame"]
    np.savez(out + ".npz", **{f"f{i}": img for i, img in result.get("images", {}).items()})
    Path(out).write_text(
        json.dumps(
            {
                "moved_frame": k,
                "polled": [f.polled for f in loop.stats.frames],
                "applied": applied,
                "saved": flags["saved"],
                "camera_to_world": np.asarray(cam.camera_to_world).tolist(),
                "focal_mm": cam.lens.focal_mm,
                "stats": {"received": sync.stats.received, "applied": sync.stats.applied},
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:5])
