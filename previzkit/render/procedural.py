"""Procedural sample assets: an equirect sky panorama and a few props.

``python -m previzkit.render.procedural [ASSETS_DIR]`` regenerates the sample set's
files (assets/textures/sample_sky.png, assets/props/*). Deterministic.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

from previzkit.core.optional import require


def sky_panorama(width: int = 2048, height: int = 1024, seed: int = 3) -> np.ndarray:
    """(H, W, 3) uint8 equirect: gradient sky with a sun, hills on the horizon, ground.

    Every term is periodic in longitude, so the left and right edges join.
    """
    rng = np.random.default_rng(seed)
    u = (np.arange(width) + 0.5) / width  # longitude fraction, 0.5 looks down -z
    v = (np.arange(height) + 0.5) / height  # 0 = straight up
    lon = (u - 0.5) * 2 * math.pi
    lat = (0.5 - v) * math.pi  # +pi/2 up
    lon_g, lat_g = np.meshgrid(lon, lat)
    t = np.clip(lat_g / (math.pi / 2), 0, 1)[..., None]
    zenith = np.array([0.16, 0.32, 0.62])
    horizon = np.array([0.78, 0.84, 0.90])
    sky = horizon + (zenith - horizon) * np.sqrt(t)
    # sun at longitude 40 deg right of -z, 25 deg up
    sun = np.array(
        [math.sin(0.7) * math.cos(0.44), math.sin(0.44), -math.cos(0.7) * math.cos(0.44)]
    )
    d = np.stack(
        [np.sin(lon_g) * np.cos(lat_g), np.sin(lat_g), -np.cos(lon_g) * np.cos(lat_g)], axis=-1
    )
    glow = np.clip(d @ sun, 0, 1)
    sun_amount = 0.35 * glow**40 + 0.9 * (glow > 0.9995)
    sky = sky + np.array([1.0, 0.9, 0.7]) * sun_amount[..., None]
    # hills: periodic sum of sines in longitude
    hills = np.zeros(width)
    for k in (2, 3, 5, 8, 13):
        hills += rng.uniform(0.2, 1.0) / k * np.sin(k * lon + rng.uniform(0, 2 * math.pi))
    hill_lat = math.radians(2.0) + math.radians(5.0) * (hills - hills.min()) / np.ptp(hills)
    px = math.pi / height  # one pixel of latitude: anti-alias the hill line over it
    hill = np.clip((hill_lat[None, :] - lat_g) / px + 0.5, 0, 1) * (lat_g >= 0)
    shade = 0.5 + 0.5 * np.clip(lat_g / np.maximum(hill_lat[None, :], 1e-6), 0, 1)
    hill_col = np.array([0.30, 0.40, 0.30])[None, None, :] * shade[..., None]
    # ground: earth tone with periodic stripes fading toward the horizon
    below = lat_g < 0
    stripes = 0.5 + 0.5 * np.sin(24 * lon_g) * np.sin(12 * lat_g)
    ground = np.array([0.36, 0.31, 0.24]) * (0.85 + 0.15 * stripes[..., None])
    img = np.where(
        below[..., None], ground, hill[..., None] * hill_col + (1 - hill[..., None]) * sky
    )
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def crate_texture(size: int = 128) -> np.ndarray:
    """(S, S, 3) uint8 plank texture with a dark frame."""
    y, x = np.mgrid[0:size, 0:size] / size
    planks = 0.75 + 0.1 * np.sin(2 * math.pi * 4 * y) + 0.05 * np.sin(2 * math.pi * 37 * x + 3 * y)
    frame = (np.minimum.reduce([x, y, 1 - x, 1 - y]) < 0.09) | (np.abs(x - y) < 0.06)
    base = np.array([0.92, 0.70, 0.45])[None, None, :] * planks[..., None]
    base[frame] *= 0.65
    return (np.clip(base, 0, 1) * 255).astype(np.uint8)


def write_sample_assets(root: str | Path) -> list[Path]:
    """Write the sample set's panorama and props under ``root`` (an assets folder)."""
    trimesh = require("trimesh", "render", "writing the sample assets")
    Image = require("PIL.Image", "render", "writing the sample assets")

    from previzkit.media.image import write_image

    root = Path(root)
    (root / "textures").mkdir(parents=True, exist_ok=True)
    (root / "props").mkdir(parents=True, exist_ok=True)
    written = []

    sky = root / "textures" / "sample_sky.png"
    write_image(sky, sky_panorama(), optimize=True)
    written.append(sky)

    # crate: a textured 0.8 m box standing on the floor (GLB)
    box = trimesh.creation.box((0.8, 0.8, 0.8))
    n = box.face_normals[np.repeat(np.arange(len(box.faces)), 3)]
    p = box.vertices[box.faces.ravel()]
    # planar uv per face from the two axes orthogonal to its normal
    ax = np.argmax(np.abs(n), axis=1)
    uv = np.zeros((len(p), 2))
    for a in range(3):
        sel = ax == a
        others = [i for i in range(3) if i != a]
        uv[sel] = p[sel][:, others] / 0.8 + 0.5
    mesh = trimesh.Trimesh(p, np.arange(len(p)).reshape(-1, 3), process=False)
    mesh.apply_translation((0, 0.4, 0))
    material = trimesh.visual.material.PBRMaterial(
        baseColorTexture=Image.fromarray(crate_texture()),
        baseColorFactor=[255, 255, 255, 255],  # trimesh's default factor would darken to 0.4
        roughnessFactor=0.9,
        metallicFactor=0.0,
    )
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    crate = root / "props" / "crate.glb"
    mesh.export(crate)
    written.append(crate)

    # column: a 2.4 m cylinder with vertex colours (PLY)
    col = trimesh.creation.cylinder(radius=0.25, height=2.4, sections=32)  # along z
    col.apply_transform(trimesh.transformations.rotation_matrix(-math.pi / 2, (1, 0, 0)))
    col.apply_translation((0, 1.2, 0))
    shade = 0.55 + 0.4 * (col.vertices[:, 1] / 2.4)
    colors = np.c_[shade * 0.85, shade * 0.82, shade * 0.78, np.ones(len(shade))]
    col.visual = trimesh.visual.ColorVisuals(col, vertex_colors=(colors * 255).astype(np.uint8))
    column = root / "props" / "column.ply"
    col.export(column)
    written.append(column)

    # bench: seat + two legs (OBJ, no material: tinted by the set file)
    seat = trimesh.creation.box((1.6, 0.08, 0.4))
    seat.apply_translation((0, 0.45, 0))
    legs = [trimesh.creation.box((0.08, 0.41, 0.36)) for _ in range(2)]
    legs[0].apply_translation((-0.7, 0.205, 0))
    legs[1].apply_translation((0.7, 0.205, 0))
    bench = trimesh.util.concatenate([seat, *legs])
    bench_path = root / "props" / "bench.obj"
    bench.export(bench_path, include_color=False, include_texture=False)
    written.append(bench_path)

    # ball: an icosphere (GLB), 0.3 m radius, resting on the floor
    ball = trimesh.creation.icosphere(subdivisions=3, radius=0.3)
    ball.apply_translation((0, 0.3, 0))
    ball_path = root / "props" / "ball.glb"
    ball.export(ball_path)
    written.append(ball_path)
    return written


if __name__ == "__main__":  # pragma: no cover
    from previzkit.core.resources import assets_dir

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else assets_dir()
    for path in write_sample_assets(target):
        print(path, path.stat().st_size, "bytes")
