"""The JSON pose format written by ``previzkit capture ... -o out.json``.

::

    {"width": W, "height": H, "fps": F,
     "frames": [{"index": 0, "time": 0.0,
                 "people": [{"id": 0,
                             "landmarks": [{"name": "nose", "x": px, "y": px,
                                            "visibility": 0..1,
                                            "world": [x, y, z]}, ...33]}]}]}

``x``/``y`` are pixels of the source frame (row 0 at the top); ``world`` is metres in
MediaPipe's hip-centred frame (x to the image's right, y down, z away from the camera).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import InputError, MissingFileError
from previzkit.core.types import Pose
from previzkit.model.landmarks import LANDMARK_NAMES
from previzkit.model.pose_track import PoseFrame, PoseTrack


def pose_to_json(p: Pose) -> dict[str, Any]:
    return {
        "id": int(p.actor_id),
        "landmarks": [
            {
                "name": name,
                "x": round(float(p.image[k, 0]), 2),
                "y": round(float(p.image[k, 1]), 2),
                "visibility": round(float(p.image[k, 2]), 4),
                "world": [round(float(v), 4) for v in p.world[k]],
            }
            for k, name in enumerate(LANDMARK_NAMES)
        ],
    }


def frame_to_json(frame: PoseFrame) -> dict[str, Any]:
    return {
        "index": int(frame.index),
        "time": round(float(frame.time), 6),
        "people": [pose_to_json(p) for p in frame.people],
    }


def track_to_json(track: PoseTrack) -> dict[str, Any]:
    return {
        "width": int(track.width),
        "height": int(track.height),
        "fps": float(track.fps),
        "frames": [frame_to_json(f) for f in track.frames],
    }


def write_json(path: str | Path, track: PoseTrack) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(track_to_json(track), separators=(",", ":")))
    return path


def read_json(path: str | Path) -> PoseTrack:
    """Read the JSON pose format back; errors name the file and the key path."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"pose JSON {path} does not exist")
    try:
        d = json.loads(path.read_text())
        track = PoseTrack(int(d["width"]), int(d["height"]), float(d["fps"]))
        for fi, f in enumerate(d["frames"]):
            people = []
            for pi, q in enumerate(f["people"]):
                lms = q["landmarks"]
                if len(lms) != 33:
                    raise InputError(
                        f"{path}: frames[{fi}].people[{pi}].landmarks has {len(lms)} "
                        "entries, expected 33"
                    )
                img = np.array([(m["x"], m["y"], m["visibility"]) for m in lms], np.float32)
                world = np.array([m["world"] for m in lms], np.float32)
                people.append(Pose(float(f["time"]), int(q["id"]), img, world))
            track.frames.append(PoseFrame(int(f["index"]), float(f["time"]), people))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{path}: not a previzkit pose JSON ({exc!r})") from None
    return track
