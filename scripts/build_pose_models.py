#!/usr/bin/env python3
"""Rebuild MediaPipe pose ``.task`` bundles from Google's Apache-2.0 model files.

Sources (fetched once, at install time, never at run time):
- npm ``@mediapipe/pose``: pose_landmark_{lite,full,heavy}.tflite, with ``npm pack``
  or, without npm, from registry.npmjs.org over HTTPS (urllib), the tarball checked
  against the registry's ``dist.integrity`` (sha512) or ``dist.shasum`` (sha1)
- ``pip download --no-deps mediapipe==0.10.21``: pose_detection.tflite (and the
  full landmark model, used for ``full``)

Input metadata is added with mediapipe's own metadata writer (see
previzkit/capture/models.py). Usage::

    python3 scripts/build_pose_models.py                 # lite + full -> previzkit/assets/models/
    python3 scripts/build_pose_models.py --variant heavy # heavy -> cache_dir()/models/
    python3 scripts/build_pose_models.py --npm-tgz x.tgz --wheel y.whl  # offline
    python3 scripts/build_pose_models.py --variant heavy --if-missing --offline-ok  # install
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from previzkit.capture import models
from previzkit.core.resources import assets_dir

WHEEL_DETECTOR = "mediapipe/modules/pose_detection/pose_detection.tflite"
WHEEL_FULL = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
NPM_PACKAGE_URL = "https://registry.npmjs.org/@mediapipe%2fpose"
TIMEOUT_S = 60


class Offline(Exception):
    """A source could not be fetched (no network, registry down)."""


def verify_npm_tarball(data: bytes, dist: dict) -> None:
    """Raise ValueError unless ``data`` matches the registry's ``dist.integrity``
    (``sha512-<base64>``) or, without it, ``dist.shasum`` (sha1 hex)."""
    integrity = dist.get("integrity", "")
    if integrity.startswith("sha512-"):
        got = base64.b64encode(hashlib.sha512(data).digest()).decode()
        if got != integrity.removeprefix("sha512-"):
            raise ValueError(f"npm tarball sha512 {got} != registry's {integrity}")
    elif dist.get("shasum"):
        got = hashlib.sha1(data).hexdigest()
        if got != dist["shasum"]:
            raise ValueError(f"npm tarball sha1 {got} != registry's {dist['shasum']}")
    else:
        raise ValueError("the registry gave no integrity or shasum for the npm tarball")


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:
            data: bytes = resp.read()
            return data
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise Offline(f"cannot fetch {url}: {exc}") from exc


def npm_tarball_over_https(tmp: Path) -> Path:
    """The latest ``@mediapipe/pose`` tarball from registry.npmjs.org, verified."""
    doc = json.loads(_get(NPM_PACKAGE_URL))
    version = doc["dist-tags"]["latest"]
    dist = doc["versions"][version]["dist"]
    if not dist["tarball"].startswith("https://"):
        raise ValueError(f"npm tarball URL is not HTTPS: {dist['tarball']}")
    data = _get(dist["tarball"])
    verify_npm_tarball(data, dist)
    out = tmp / f"mediapipe-pose-{version}.tgz"
    out.write_bytes(data)
    return out


def fetch(tmp: Path, npm_tgz: Path | None, wheel: Path | None) -> tuple[Path, Path]:
    if npm_tgz is None:
        if shutil.which("npm"):
            proc = subprocess.run(["npm", "pack", "@mediapipe/pose", "--silent"], cwd=tmp)
            if proc.returncode != 0:
                raise Offline("npm pack @mediapipe/pose failed")
            npm_tgz = next(tmp.glob("mediapipe-pose-*.tgz"))
        else:
            npm_tgz = npm_tarball_over_https(tmp)
    if wheel is None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--retries",
                "1",
                "--timeout",
                "20",
                "mediapipe==0.10.21",
                "--python-version",
                "3.11",
                "--platform",
                "manylinux_2_28_x86_64",
                "--only-binary=:all:",
                "-d",
                str(tmp),
            ],
        )
        wheels = list(tmp.glob("mediapipe-0.10.21-*.whl"))
        if not wheels:
            raise Offline("pip download mediapipe==0.10.21 failed")
        wheel = wheels[0]
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
    ap.add_argument(
        "--if-missing",
        action="store_true",
        help="skip a variant whose bundle is already found and valid",
    )
    ap.add_argument(
        "--offline-ok",
        action="store_true",
        help="when a source cannot be fetched, print one line and exit 0",
    )
    args = ap.parse_args()
    variants = args.variant or ["lite", "full"]
    if args.if_missing and args.out is None:
        for variant in list(variants):
            found = models.find_bundle(variant)
            if found is not None:
                print(f"{variant}: {found} present, not rebuilt")
                variants.remove(variant)
        if not variants:
            return 0
    with tempfile.TemporaryDirectory() as tmpdir:
        try:
            npm_tgz, wheel = fetch(Path(tmpdir), args.npm_tgz, args.wheel)
        except Offline as exc:
            if not args.offline_ok:
                raise
            names = " ".join(f"--variant {v}" for v in variants)
            print(
                f"pose models {', '.join(variants)} not built ({exc}); when online run "
                f"'python3 scripts/build_pose_models.py {names}'"
            )
            return 0
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
