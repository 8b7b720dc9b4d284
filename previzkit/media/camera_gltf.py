"""A take's camera as an animated glTF 2.0 camera, for DCC tools and engines.

One node holding one perspective camera, and one animation moving it: ``translation``
(metres) and ``rotation`` (quaternion x, y, z, w) samplers, LINEAR, keyed at the
track's times (seconds from the take's start). glTF cameras look down their local -z
with +y up in a right-handed, y-up world, like previzkit's, so the track's
camera-to-world pose is the node's transform as it is.

The camera's ``yfov`` is the first sample's lens at the delivery ``aspect`` (the image
cut from the sensor's width: ``2 atan(sensor_width / aspect / 2 / focal)``). The
per-frame lens rides along in the animation's ``extras``: ``{"previzkit": {"focal_mm":
[...], "focus_m": [...], "sensor_mm": [w, h], "take": {...}}}``; glTF 2.0 core cannot
animate ``yfov`` (the KHR_animation_pointer extension could).

``.gltf`` embeds its buffer as a base64 data URI; ``.glb`` is the binary container.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, ShapeError
from previzkit.core.optional import require
from previzkit.model.camera_track import CameraTrack

__all__ = ["export_camera_gltf"]

SUFFIXES = (".gltf", ".glb")
_FLOAT, _ARRAY_BUFFER = 5126, 34962  # glTF's FLOAT component type, no target needed


def _check(track: CameraTrack, path: Path, aspect: float) -> None:
    where = f"camera export {path}"
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"{where}: expected a .gltf or .glb file, got {path.suffix or '(none)'!r}")
    if not path.parent.is_dir():
        raise InputError(f"{where}: folder {path.parent} does not exist")
    if not (math.isfinite(aspect) and aspect > 0):
        raise InputError(f"{where}: aspect must be a positive number, got {aspect!r}")
    if len(track) == 0:
        raise InputError(f"{where}: the camera track holds no samples")
    arrays = {"time": track.time, "position": track.position, "orientation": track.orientation}
    for name, arr in arrays.items():
        if not np.isfinite(arr).all():
            raise InputError(f"{where}: the camera track's {name} has non-finite values")
    if len(track) > 1 and not (np.diff(track.time) > 0).all():
        i = int(np.argmax(np.diff(track.time) <= 0))
        raise InputError(
            f"{where}: sample times must increase, sample {i + 1} at {track.time[i + 1]:g} s "
            f"follows {track.time[i]:g} s"
        )
    if track.time[0] < 0:
        raise InputError(f"{where}: first sample time {track.time[0]:g} s is negative")
    norms = np.linalg.norm(track.orientation, axis=1)
    if (norms < 1e-6).any():
        raise ShapeError(f"{where}: orientation {int(np.argmin(norms))} is a zero quaternion")


def _unit_quaternions(q: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """Normalised, sign-continuous (each within 90 degrees of the previous: LINEAR
    interpolation takes the short way)."""
    out = q / np.linalg.norm(q, axis=1, keepdims=True)
    signs = np.ones(len(out))
    dots = np.einsum("ij,ij->i", out[1:], out[:-1])
    signs[1:] = np.cumprod(np.where(dots < 0, -1.0, 1.0))
    return np.asarray(out * signs[:, None], dtype=np.float32)


def export_camera_gltf(
    track: CameraTrack, path: str | Path, name: str = "camera", aspect: float = 16 / 9
) -> Path:
    """Write ``track`` as a glTF 2.0 animated camera (see module doc) to ``path``
    (``.gltf`` with an embedded buffer, or ``.glb``); returns the path. ``aspect`` is
    the delivery image's width / height."""
    gl = require("pygltflib", "takes", "glTF camera export")
    out = Path(path)
    _check(track, out, aspect)
    times = np.ascontiguousarray(track.time, dtype=np.float32)
    positions = np.ascontiguousarray(track.position, dtype=np.float32)
    rotations = _unit_quaternions(track.orientation)
    parts = {"SCALAR": times, "VEC3": positions, "VEC4": rotations}  # accessors 0, 1, 2
    blobs: list[bytes] = []
    views: list[Any] = []
    accessors: list[Any] = []
    offset = 0
    for kind, arr in parts.items():
        blob = arr.tobytes()
        blobs.append(blob)
        views.append(gl.BufferView(buffer=0, byteOffset=offset, byteLength=len(blob)))
        flat = arr.reshape(len(arr), -1)
        accessors.append(
            gl.Accessor(
                bufferView=len(views) - 1,
                componentType=_FLOAT,
                count=len(arr),
                type=kind,
                min=[float(v) for v in flat.min(axis=0)],
                max=[float(v) for v in flat.max(axis=0)],
            )
        )
        offset += len(blob)
    data = b"".join(blobs)  # every part is a multiple of 4 bytes: aligned

    first = track.sample(0)
    lens = first.lens
    extras: dict[str, Any] = {
        "previzkit": {
            "focal_mm": [float(v) for v in track.focal_mm],
            "focus_m": [float(v) for v in track.focus_m],
            "sensor_mm": [float(v) for v in track.sensor_mm[0]],
            "take": dict(track.meta),
        }
    }
    doc = gl.GLTF2(
        asset=gl.Asset(version="2.0", generator="previzkit"),
        scene=0,
        scenes=[gl.Scene(nodes=[0])],
        nodes=[
            gl.Node(
                name=name,
                camera=0,
                translation=[float(v) for v in positions[0]],
                rotation=[float(v) for v in rotations[0]],
            )
        ],
        cameras=[
            gl.Camera(
                name=name,
                type="perspective",
                perspective=gl.Perspective(
                    yfov=lens.vfov_for_aspect(aspect), aspectRatio=aspect, znear=0.05, zfar=500.0
                ),
            )
        ],
        buffers=[gl.Buffer(byteLength=len(data))],
        bufferViews=views,
        accessors=accessors,
        animations=[
            gl.Animation(
                name=name,
                samplers=[
                    gl.AnimationSampler(input=0, output=1, interpolation="LINEAR"),
                    gl.AnimationSampler(input=0, output=2, interpolation="LINEAR"),
                ],
                channels=[
                    gl.AnimationChannel(
                        sampler=0, target=gl.AnimationChannelTarget(node=0, path="translation")
                    ),
                    gl.AnimationChannel(
                        sampler=1, target=gl.AnimationChannelTarget(node=0, path="rotation")
                    ),
                ],
                extras=extras,
            )
        ],
    )
    doc.set_binary_blob(data)
    tmp = out.with_name(f".{out.name}.part")
    try:
        if out.suffix.lower() == ".glb":
            doc.save_binary(str(tmp))
        else:
            doc.convert_buffers(gl.BufferFormat.DATAURI)
            doc.save_json(str(tmp))
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
