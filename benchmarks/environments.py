"""Environment benchmark, in one process, interleaved so each side sees the same load.

    python3 benchmarks/environments.py [--frames 9] [--width 1920 --height 1080]

1. Reading: every shipped preset (.exr, 512x256 DWAB) with ``read_radiance`` against
   Pillow decoding the 2048x1024 sample sky PNG (the panorama the sets used before).
2. Drawing: the rooftop set's wide shot with its ``night`` environment (sky + the
   panorama's ground projected to the horizon) against the same set with a solid
   background (no sky, no projected ground). Median ms each and the ratio of medians.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import numpy as np

from previzkit.core.resources import asset_path
from previzkit.media.hdr_image import read_radiance
from previzkit.media.image import read_image
from previzkit.model.environments import PRESETS
from previzkit.model.setfile import load_set
from previzkit.render.headless import create_context, describe
from previzkit.render.renderer import Renderer


def _ms(f) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    f()
    return (time.perf_counter() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=9)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    a = ap.parse_args()

    png = asset_path("textures", "sample_sky.png")
    exr_ms, png_ms = [], []
    for _ in range(3):
        for p in PRESETS.values():
            exr_ms.append(_ms(lambda p=p: read_radiance(p.path)))
            png_ms.append(_ms(lambda: read_image(png)))
    e, q = statistics.median(exr_ms), statistics.median(png_ms)
    print(
        f"read a preset .exr: {e:.1f} ms; sample_sky.png (2048x1024): {q:.1f} ms; ratio {e / q:.2f}"
    )

    night = load_set(asset_path("sets", "rooftop.yaml"))
    flat = dataclasses.replace(
        night, background=dataclasses.replace(night.background, environment=None)
    )
    ctx = create_context()
    print(describe(ctx))
    cam = night.camera(str(night.default_camera))
    shot = (cam.camera_to_world(), cam.lens)
    with Renderer(ctx, night) as env, Renderer(ctx, flat) as base:
        times: dict[str, list[float]] = {"env": [], "base": []}
        for r in (env, base):  # warm up: programs, targets
            r.render_image(shot, a.width, a.height)
        for _ in range(a.frames):
            for name, r in (("env", env), ("base", base)):
                times[name].append(_ms(lambda r=r: r.render_image(shot, a.width, a.height)))
    m_env, m_base = (statistics.median(times[k]) for k in ("env", "base"))
    print(
        f"rooftop {a.width}x{a.height}: night environment {m_env:.1f} ms, "
        f"solid background {m_base:.1f} ms; ratio {m_env / m_base:.2f} "
        f"(paired median {float(np.median(np.divide(times['env'], times['base']))):.2f})"
    )


if __name__ == "__main__":
    main()
