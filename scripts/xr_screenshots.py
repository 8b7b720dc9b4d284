"""Screenshots of what the director sees in the headset, for the docs.

Run: ``python3 scripts/xr_screenshots.py [--size 960] [--out docs/images]``.

Renders the sample set offscreen (the same FrameLoop as the headset, 4x MSAA) into:
- xr-eye.png: the left eye with both controllers, their rays, the wrist panel and the
  handheld viewfinder with its frame line and safe areas;
- xr-lookthrough.png: looking through the camera (world-stable, head turned 6 degrees
  off the camera's heading): outside the delivery frame darkened, the frame line drawn.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=960)
    ap.add_argument("--out", default=str(REPO / "docs" / "images"))
    args = ap.parse_args()

    import numpy as np
    from PIL import Image

    from previzkit.core.geometry import look_at, translation
    from previzkit.model.camera import Lens
    from previzkit.render.headless import create_context
    from previzkit.render.hud import Hud, HudState
    from previzkit.render.renderer import Renderer
    from previzkit.render.viewfinder import Viewfinder
    from previzkit.xr.loop import FrameLoop, OffscreenSource
    from previzkit.xr.views import symmetric_fov

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = create_context()
    renderer = Renderer(ctx, REPO / "previzkit/assets/sets/sample.yaml")
    lens = Lens(35.0)
    camera = look_at((0.2, 1.5, 4.5), (0.0, 1.0, -1.0))
    head = translation((0.0, 1.6, 3.4))
    fov = symmetric_fov(math.radians(90.0), 1.0)
    hud, vf = Hud(ctx), Viewfinder(ctx, renderer, (960, 540))
    left = translation((-0.22, 1.22, 3.0)) @ look_at((0, 0, 0), (0.1, -0.35, -1.0))
    right = translation((0.24, 1.28, 2.98)) @ look_at((0, 0, 0), (0.2, -0.12, -1.0))
    state = HudState(
        left_aim=left,
        right_aim=right,
        left_grip=left,
        right_grip=right,
        panel_lines=[
            "tool: camera",
            f"{lens.focal_mm:.0f} mm  {math.degrees(lens.vfov_for_aspect(16 / 9)):.1f} deg",
            "shot 1A  (1 of 4)",
            "REC  01:00:12:04",
            "saved 14:02",
        ],
    )
    monitor = translation((0.16, 1.42, 2.95)) @ translation((0, 0, 0), math.radians(-12))

    def overlay(eye, target, view):
        if eye == 0:
            vf.update(camera, lens, 16 / 9)
        if not loop.mapper.looking_through:
            hud.draw(target, view.view, view.proj, state)
            vf.draw(target, view.view, view.proj, monitor)

    shots = {}
    size = (args.size, args.size)
    for name, through in (("xr-eye.png", False), ("xr-lookthrough.png", True)):
        pose = head if not through else translation((0.0, 1.6, 3.4), math.radians(6.0))
        src = OffscreenSource(ctx, size, head=pose, fov=fov, rate_hz=None, samples=4)
        loop = FrameLoop(
            src,
            renderer,
            overlay=overlay,
            on_eye=lambda e, s, name=name: shots.setdefault((name, e), s.read_eye(e)),
        )
        if through:
            loop.mapper.camera, loop.mapper.lens, loop.mapper.looking_through = camera, lens, True
        loop.run(frames=1)
        src.close()
        path = out / name
        Image.fromarray(np.ascontiguousarray(shots[(name, 0)][..., :3])).save(path, optimize=True)
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    hud.release()
    vf.release()
    renderer.release()


if __name__ == "__main__":
    main()
