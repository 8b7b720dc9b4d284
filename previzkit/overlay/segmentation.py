"""Person segmentation for the AR overlay when there is no green screen.

MediaPipe's Tasks ``ImageSegmenter`` with Google's selfie segmentation model
(landscape, 144x256 input; Apache-2.0), shipped as ``assets/models/selfie_segmenter.tflite``
with the input metadata the Tasks API needs (built by
``scripts/build_segmentation_model.py``). :meth:`PersonSegmenter.matte` gives a uint8
(H, W) matte at the image's size, 255 = person.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import ModelNotFound, ShapeError
from previzkit.core.optional import require
from previzkit.core.resources import assets_dir, cache_dir

MODEL_NAME = "selfie_segmenter.tflite"


def search_paths() -> list[Path]:
    """Where :func:`model_path` looks, in order: ``$PREVIZKIT_SEGMENTATION_MODEL``,
    ``assets/models``, the user cache's ``models``."""
    paths = []
    env = os.environ.get("PREVIZKIT_SEGMENTATION_MODEL")
    if env:
        paths.append(Path(env))
    paths += [assets_dir() / "models" / MODEL_NAME, cache_dir() / "models" / MODEL_NAME]
    return paths


def model_path() -> Path:
    """The segmentation model; :class:`ModelNotFound` names every place looked."""
    paths = search_paths()
    for p in paths:
        if p.is_file():
            return p
    raise ModelNotFound(
        f"person segmentation model {MODEL_NAME} not found (looked in "
        f"{', '.join(map(str, paths))}); build it with "
        "'python3 scripts/build_segmentation_model.py' (fetches Google's Apache-2.0 model "
        "from npm once, at install time), or use a green screen (--matte green)"
    )


class PersonSegmenter:
    """Mattes people out of RGB frames. ``threshold`` (0..1) hardens the soft mask:
    confidences below it go to 0, the rest ramp to 1 over ``softness``. Use ``with`` or
    call :meth:`close`."""

    def __init__(
        self, model: str | Path | None = None, threshold: float = 0.5, softness: float = 0.2
    ) -> None:
        mp = require("mediapipe", "capture", "person segmentation")
        tasks = require("mediapipe.tasks.python", "capture", "person segmentation")
        BaseOptions, vision = tasks.BaseOptions, tasks.vision
        self._mp = mp
        path = Path(model) if model is not None else model_path()
        if not path.is_file():
            raise ModelNotFound(f"person segmentation model {path} does not exist")
        if not (0.0 <= threshold < 1.0 and softness > 0):
            raise ShapeError(f"segmenter threshold {threshold} / softness {softness}")
        self.threshold, self.softness = float(threshold), float(softness)
        opts = vision.ImageSegmenterOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.IMAGE,
            output_confidence_masks=True,
            output_category_mask=False,
        )
        self._seg = vision.ImageSegmenter.create_from_options(opts)

    def confidence(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """The model's person confidence (H, W) float32 in [0, 1]."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ShapeError(
                f"segmenter image: {image.shape} {image.dtype}, expected (H, W, 3) uint8"
            )
        mp = self._mp
        result = self._seg.segment(
            mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image))
        )
        return result.confidence_masks[0].numpy_view()[..., 0]

    def matte(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """uint8 (H, W) matte, 255 = person."""
        c = self.confidence(image)
        a = np.clip((c - self.threshold) / self.softness, 0.0, 1.0)
        return (a * 255.0 + 0.5).astype(np.uint8)

    def close(self) -> None:
        self._seg.close()

    def __enter__(self) -> PersonSegmenter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
