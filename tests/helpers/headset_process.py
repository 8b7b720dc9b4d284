"""The stage loop with the headset output, run in its own process against Monado's
simulated HMD (``python -m tests.helpers.headset_process SET TRACK OUT.json``): the track drives the
character, both eyes are rendered into the runtime's swapchains; for each eye of the
last frame it records where the character's chest and hands project and the colours
read back there."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def main(set_path: str, track: str, out: str) -> None:
    from previzkit.model.camera import project_points
    from previzkit.render.headless import create_context
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.outputs import HeadsetOutput
    from previzkit.stage.sources import TrackSource

    ctx = create_context()
    loop = StageLoop(ctx, set_path, TrackSource(track, loop=True), StageOptions(64, 36))
    probes: dict = {}
    joints = ("chest", "left_hand", "right_hand", "head")

    def on_eye(eye: int, src) -> None:
        img = src.read_eye(eye)
        ch = loop.drawables.characters["ALEX"]
        pts = ch.joint_positions()[[ch.skeleton.names.index(j) for j in joints]]
        v = hs.frame_loop.last_views[eye]
        h, w = img.shape[:2]
        px = project_points(pts, v.view, v.proj, w, h)
        probes[eye] = [
            {
                "joint": j,
                "xy": [float(x), float(y)],
                "rgb": img[int(y), int(x), :3].tolist() if 0 <= x < w and 0 <= y < h else None,
            }
            for j, (x, y) in zip(joints, px, strict=True)
        ]

    hs = HeadsetOutput(loop, on_eye=on_eye)
    loop.headset = hs
    try:
        loop.run(frames=30)
        frames = hs.frame_loop.stats.frames
    finally:
        hs.close()
        states = hs.frame_loop.stats.states
        loop.close()
        ctx.release()
    Path(out).write_text(
        json.dumps(
            {"stage_frames": loop.index, "xr_frames": frames, "states": states, "probes": probes}
        )
    )
    assert np.isfinite(loop.index)


if __name__ == "__main__":
    main(*sys.argv[1:4])
