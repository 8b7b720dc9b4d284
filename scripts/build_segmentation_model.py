#!/usr/bin/env python3
"""Build the person segmentation model the AR overlay uses without a green screen.

Source (fetched once, at install time, never at run time): ``npm pack
@mediapipe/selfie_segmentation`` (Google, Apache-2.0): ``selfie_segmentation_landscape.tflite``
(input 144x256 RGB in [0, 1], one sigmoid person-confidence channel). The raw file lacks
the input metadata MediaPipe's Tasks API (``ImageSegmenter``) needs; it is added with
mediapipe's own metadata writer, as for the pose models (previzkit/capture/models.py).

Usage::

    python3 scripts/build_segmentation_model.py              # -> previzkit/assets/models/selfie_segmenter.tflite
    python3 scripts/build_segmentation_model.py --npm-tgz x.tgz --out DIR   # offline
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from previzkit.capture.models import add_image_metadata
from previzkit.core.resources import assets_dir

SOURCE = "package/selfie_segmentation_landscape.tflite"
NAME = "selfie_segmenter.tflite"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--npm-tgz", type=Path, help="an already packed @mediapipe/selfie_segmentation")
    ap.add_argument(
        "--out", type=Path, default=None, help="output folder (default previzkit/assets/models)"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tgz = args.npm_tgz
        if tgz is None:
            subprocess.run(
                ["npm", "pack", "@mediapipe/selfie_segmentation", "--silent"], cwd=tmp, check=True
            )
            tgz = next(Path(tmp).glob("mediapipe-selfie_segmentation-*.tgz"))
        with tarfile.open(tgz) as tf:
            member = tf.extractfile(SOURCE)
            assert member is not None, f"{tgz} has no {SOURCE}"
            raw = member.read()
    model = add_image_metadata(raw, "selfie_segmenter", 0.0, 255.0)  # input in [0, 1]
    folder = args.out or assets_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / NAME
    out.write_bytes(model)
    print(f"{out}: {len(model)} bytes, sha256 {hashlib.sha256(model).hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
