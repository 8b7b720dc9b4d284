"""The stage loop with the desktop window output, in its own process (glfw switches
the thread between EGL and GLX): ``python -m tests.helpers.window_process SET TRACK PLATE OUT.npz``.
Saves the last presented image and what the window shows."""

from __future__ import annotations

import sys

import numpy as np


def main(set_path: str, track: str, plate: str, out: str) -> None:
    from previzkit.render.headless import create_context
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.outputs import window_output
    from previzkit.stage.plate import PlateReader
    from previzkit.stage.sources import TrackSource

    ctx = create_context()
    win = window_output(ctx, (320, 180))
    loop = StageLoop(
        ctx,
        set_path,
        TrackSource(track),
        StageOptions(320, 180),
        plate=PlateReader(plate, (320, 180)),
        window=win,
    )
    try:
        loop.run(frames=5)
        shown = win.read()
    finally:
        win.close()
        loop.close()
    np.savez(out, shown=shown, last=loop.last_image, frames=loop.index)


if __name__ == "__main__":
    main(*sys.argv[1:5])
