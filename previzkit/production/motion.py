"""Motion-capture clips as pose tracks: BVH -> the 33 BlazePose landmarks, and
timing variants of a clip (faster, slower, later start) for the demo's takes.

Frames: a BVH is read in its own units (``scale`` turns them into metres), y up. The
clip is turned about y so the actor faces the (virtual) camera on +z on average, then
written as MediaPipe would give it: world landmarks hip-centred, x to the image's
right, y down, z away from the camera (``(x, -y, -z)`` of the y-up frame), image
landmarks in pixels of a virtual ``width`` x ``height`` camera 4 m in front.

Landmarks come from joint positions; face, hand and heel points (which mocap
skeletons do not carry) are placed rigidly on the head, wrist and ankle joints.
Pure numpy apart from :func:`read_bvh` and :func:`write_clip`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, MissingFileError
from previzkit.core.geometry import axis_rotation
from previzkit.core.types import Pose

_AXES = {"X": 0, "Y": 1, "Z": 2}


@dataclass
class BvhClip:
    """A parsed BVH: joint ``names`` (parents first), ``parents`` (-1 for the root),
    rest ``offsets`` (J, 3), ``end_sites`` (joint index -> offset), ``channels`` per
    joint, ``motion`` (F, C) channel values, ``frame_time`` (s)."""

    names: list[str]
    parents: list[int]
    offsets: npt.NDArray[np.float64]
    end_sites: dict[int, npt.NDArray[np.float64]]
    channels: list[list[str]]
    motion: npt.NDArray[np.float64]
    frame_time: float

    @property
    def fps(self) -> float:
        return 1.0 / self.frame_time


def parse_bvh(text: str, source: str = "<bvh>") -> BvhClip:
    """Parse BVH text; raises :class:`InputError` naming ``source`` and the token."""
    tokens = text.split()
    names: list[str] = []
    parents: list[int] = []
    offsets: list[list[float]] = []
    channels: list[list[str]] = []
    end_sites: dict[int, npt.NDArray[np.float64]] = {}
    stack: list[tuple[str, int]] = []  # ("joint", index) or ("end", owner index)
    i = 0

    def fail(why: str) -> InputError:
        return InputError(f"BVH {source}: {why}")

    try:
        if tokens[0] != "HIERARCHY":
            raise fail("does not start with HIERARCHY")
        i = 1
        opening: tuple[str, int] | None = None
        while tokens[i] != "MOTION":
            t = tokens[i]
            if t in ("ROOT", "JOINT"):
                names.append(tokens[i + 1])
                parents.append(stack[-1][1] if stack else -1)
                offsets.append([0.0, 0.0, 0.0])
                channels.append([])
                opening = ("joint", len(names) - 1)
                i += 2
            elif t == "End":
                opening = ("end", stack[-1][1])
                i += 2
            elif t == "{":
                if opening is None:
                    raise fail(f"unexpected '{{' at token {i}")
                stack.append(opening)
                opening = None
                i += 1
            elif t == "}":
                stack.pop()
                i += 1
            elif t == "OFFSET":
                v = [float(x) for x in tokens[i + 1 : i + 4]]
                kind, k = stack[-1]
                if kind == "end":
                    end_sites[k] = np.array(v)
                else:
                    offsets[k] = v
                i += 4
            elif t == "CHANNELS":
                n = int(tokens[i + 1])
                channels[stack[-1][1]] = tokens[i + 2 : i + 2 + n]
                i += 2 + n
            else:
                raise fail(f"unexpected token {t!r} in HIERARCHY")
        frames = int(tokens[i + 2])
        frame_time = float(tokens[i + 5])
        values = np.array(tokens[i + 6 :], dtype=np.float64)
    except (IndexError, ValueError) as exc:
        raise fail(f"malformed near token {i}: {exc}") from None
    width = sum(len(c) for c in channels)
    if not names or width == 0 or values.size != frames * width or frame_time <= 0:
        raise fail(f"{values.size} motion values for {frames} frames of {width} channels")
    return BvhClip(
        names,
        parents,
        np.array(offsets),
        end_sites,
        channels,
        values.reshape(frames, width),
        frame_time,
    )


def read_bvh(path: str | Path) -> BvhClip:
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"BVH {p}: no such file")
    return parse_bvh(p.read_text(encoding="utf-8", errors="replace"), str(p))


def write_bvh(clip: BvhClip, path: str | Path) -> Path:
    """Write ``clip`` as BVH text (joints depth first, offsets to 6 decimals, channel
    values to 4): :func:`parse_bvh` reads back the same skeleton and motion."""
    lines = ["HIERARCHY"]
    children: dict[int, list[int]] = {k: [] for k in range(len(clip.names))}
    for k, p in enumerate(clip.parents):
        if p >= 0:
            children[p].append(k)

    def joint(k: int, depth: int) -> None:
        pad = "  " * depth
        kind = "ROOT" if clip.parents[k] < 0 else "JOINT"
        lines.append(f"{pad}{kind} {clip.names[k]}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  OFFSET {' '.join(f'{v:.6f}' for v in clip.offsets[k])}")
        if clip.channels[k]:
            lines.append(f"{pad}  CHANNELS {len(clip.channels[k])} {' '.join(clip.channels[k])}")
        for c in children[k]:
            joint(c, depth + 1)
        if k in clip.end_sites:
            end = " ".join(f"{v:.6f}" for v in clip.end_sites[k])
            lines.extend([f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET {end}", f"{pad}  }}"])
        lines.append(f"{pad}}}")

    order: list[int] = []  # joints in the order written (depth first), for the columns

    def visit(k: int) -> None:
        order.append(k)
        for c in children[k]:
            visit(c)

    for root in (k for k, p in enumerate(clip.parents) if p < 0):
        joint(root, 0)
        visit(root)
    start = np.cumsum([0] + [len(c) for c in clip.channels])
    cols = [i for k in order for i in range(start[k], start[k + 1])]
    lines += ["MOTION", f"Frames: {len(clip.motion)}", f"Frame Time: {clip.frame_time:.8f}"]
    lines += [" ".join(f"{v:.4f}" for v in row) for row in clip.motion[:, cols]]
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out


def cut_bvh(clip: BvhClip, start_s: float, stop_s: float, fps: float | None = None) -> BvhClip:
    """Frames of ``clip`` from ``start_s`` to ``stop_s`` (clip seconds), every n-th frame
    so that the rate is close to ``fps`` (the clip's own rate when None)."""
    n = len(clip.motion)
    i0, i1 = round(start_s * clip.fps), min(n, round(stop_s * clip.fps) + 1)
    if not 0 <= i0 < i1:
        raise InputError(
            f"cut_bvh: {start_s}-{stop_s} s is not inside the clip's {(n - 1) / clip.fps:.2f} s"
        )
    step = 1 if fps is None else max(1, round(clip.fps / fps))
    return BvhClip(
        list(clip.names),
        list(clip.parents),
        clip.offsets.copy(),
        dict(clip.end_sites),
        [list(c) for c in clip.channels],
        clip.motion[i0:i1:step].copy(),
        clip.frame_time * step,
    )


def forward_kinematics(clip: BvhClip) -> tuple[npt.NDArray, npt.NDArray]:
    """World rotations (F, J, 3, 3) and positions (F, J, 3), in the BVH's units."""
    f, j = clip.motion.shape[0], len(clip.names)
    rot = np.zeros((f, j, 3, 3))
    pos = np.zeros((f, j, 3))
    col = 0
    for k in range(j):
        local = np.broadcast_to(np.eye(3), (f, 3, 3)).copy()
        trans = np.broadcast_to(clip.offsets[k], (f, 3)).copy()
        for ch in clip.channels[k]:
            v = clip.motion[:, col]
            col += 1
            if ch.endswith("position"):
                trans[:, _AXES[ch[0]]] = v
            else:
                local = local @ axis_rotation(_AXES[ch[0]], np.radians(v))
        p = clip.parents[k]
        if p < 0:
            rot[:, k], pos[:, k] = local, trans
        else:
            rot[:, k] = rot[:, p] @ local
            pos[:, k] = pos[:, p] + np.einsum("fij,fj->fi", rot[:, p], trans)
    return rot, pos


# BVH joint name (lower case, any of) per landmark role
_ROLES = {
    "hips": ("hips", "pelvis"),
    "head": ("head",),
    "l_shoulder": ("leftshoulder", "leftarm", "lshoulder"),
    "r_shoulder": ("rightshoulder", "rightarm", "rshoulder"),
    "l_elbow": ("leftelbow", "leftforearm", "lelbow"),
    "r_elbow": ("rightelbow", "rightforearm", "relbow"),
    "l_wrist": ("leftwrist", "lefthand", "lwrist"),
    "r_wrist": ("rightwrist", "righthand", "rwrist"),
    "l_hip": ("lefthip", "leftupleg", "lhip"),
    "r_hip": ("righthip", "rightupleg", "rhip"),
    "l_knee": ("leftknee", "leftleg", "lknee"),
    "r_knee": ("rightknee", "rightleg", "rknee"),
    "l_ankle": ("leftankle", "leftfoot", "lankle"),
    "r_ankle": ("rightankle", "rightfoot", "rankle"),
}


def _find(clip: BvhClip) -> dict[str, int]:
    low = {n.lower().split(":")[-1]: i for i, n in enumerate(clip.names)}
    out = {}
    for role, options in _ROLES.items():
        hit = next((low[o] for o in options if o in low), None)
        if hit is None:
            raise InputError(
                f"BVH: no joint for {role} (tried {', '.join(options)}; "
                f"joints: {', '.join(clip.names)})"
            )
        out[role] = hit
    return out


def _tip(clip: BvhClip, rot: npt.NDArray, pos: npt.NDArray, k: int, default: npt.ArrayLike):
    """World position of joint k's bone tail (its End Site, or its first child)."""
    off = clip.end_sites.get(k)
    if off is None:
        child = next((c for c, p in enumerate(clip.parents) if p == k), None)
        off = clip.offsets[child] if child is not None else np.asarray(default, float)
    return pos[:, k] + np.einsum("fij,j->fi", rot[:, k], off)


def bvh_landmarks(clip: BvhClip, scale: float = 0.01) -> npt.NDArray[np.float64]:
    """(F, 33, 3) BlazePose landmark positions in metres, y up, in the BVH's frame."""
    r = _find(clip)
    rot, pos = forward_kinematics(clip)
    pos = pos * scale
    f = pos.shape[0]
    lm = np.zeros((f, 33, 3))
    P = lambda role: pos[:, r[role]]  # noqa: E731
    for idx, role in (
        (11, "l_shoulder"),
        (12, "r_shoulder"),
        (13, "l_elbow"),
        (14, "r_elbow"),
        (15, "l_wrist"),
        (16, "r_wrist"),
        (23, "l_hip"),
        (24, "r_hip"),
        (25, "l_knee"),
        (26, "r_knee"),
        (27, "l_ankle"),
        (28, "r_ankle"),
    ):
        lm[:, idx] = P(role)
    # rest frame of the clip: left = +x side of the hips, up = +y, forward = left x up
    left = clip.offsets[r["l_hip"]] - clip.offsets[r["r_hip"]]
    left = left / np.linalg.norm(left)
    up = np.array([0.0, 1.0, 0.0])
    fwd = np.cross(left, up)
    fwd /= np.linalg.norm(fwd)
    # hands: the tip of the wrist bone, thumb to the front of the rest pose
    for side, w, pinky, index, thumb in (("l", 15, 17, 19, 21), ("r", 16, 18, 20, 22)):
        k = r[f"{side}_wrist"]
        tip = _tip(clip, rot, pos / scale, k, (0.0, -8.0, 0.0)) * scale
        d = tip - lm[:, w]
        front = np.einsum("fij,j->fi", rot[:, k], fwd)
        lm[:, pinky] = lm[:, w] + 0.85 * d - 0.03 * front
        lm[:, index] = lm[:, w] + 1.0 * d + 0.02 * front
        lm[:, thumb] = lm[:, w] + 0.45 * d + 0.045 * front
    # feet: toe tip from the ankle's end site, heel behind and under the ankle
    for side, a, heel, toe in (("l", 27, 29, 31), ("r", 28, 30, 32)):
        k = r[f"{side}_ankle"]
        tip = _tip(clip, rot, pos / scale, k, 15.0 * fwd) * scale
        d = tip - lm[:, a]
        down = np.einsum("fij,j->fi", rot[:, k], -up)
        lm[:, toe] = tip
        lm[:, heel] = lm[:, a] - 0.25 * d + 0.05 * down
    # face: rigid on the head joint, scaled by the head bone's length
    k = r["head"]
    top = _tip(clip, rot, pos / scale, k, (0.0, 18.0, 0.0)) * scale
    length = np.linalg.norm(top - P("head"), axis=1).mean()
    c = P("head") + 0.45 * (top - P("head"))
    s = length / 0.18
    face: dict[
        int, tuple[float, float, float]
    ] = {  # (across (+left), up, forward) in metres for a 0.18 m head bone
        0: (0.0, -0.01, 0.105),
        1: (0.015, 0.02, 0.095),
        2: (0.032, 0.02, 0.09),
        3: (0.045, 0.02, 0.085),
        4: (-0.015, 0.02, 0.095),
        5: (-0.032, 0.02, 0.09),
        6: (-0.045, 0.02, 0.085),
        7: (0.075, 0.0, 0.0),
        8: (-0.075, 0.0, 0.0),
        9: (0.025, -0.045, 0.09),
        10: (-0.025, -0.045, 0.09),
    }
    for idx, (across, upward, forward) in face.items():
        local = s * (across * left + upward * up + forward * fwd)
        lm[:, idx] = c + np.einsum("fij,j->fi", rot[:, k], local)
    return lm


def face_camera(landmarks: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Turn a clip about y (through the first frame's hips) so that the actor starts
    facing +z with their left on +x (the hips over the first 10 frames); the first
    frame's hips over the origin."""
    lm = np.asarray(landmarks, dtype=np.float64)
    left = (lm[:10, 23] - lm[:10, 24]).mean(axis=0)
    yaw = math.atan2(-left[2], left[0])  # angle of 'left' from +x about +y
    r = axis_rotation(1, -yaw)
    centre = (lm[0, 23] + lm[0, 24]) / 2
    centre[1] = 0.0
    out = (lm - centre) @ r.T
    out[..., 1] -= out[:, 27:33, 1].min()  # lowest foot point on the floor
    return out


def mirror(landmarks: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The clip mirrored left-right (x negated, left and right landmarks swapped)."""
    swap = [0, 4, 5, 6, 1, 2, 3, 8, 7, 10, 9] + [i + 1 if i % 2 else i - 1 for i in range(11, 33)]
    out = np.asarray(landmarks, dtype=np.float64)[:, swap].copy()
    out[..., 0] *= -1.0
    return out


def retime(
    landmarks: npt.NDArray[np.float64],
    fps: float,
    out_fps: float,
    speed: float = 1.0,
    start_s: float = 0.0,
    duration_s: float | None = None,
    nearest: bool = False,
) -> npt.NDArray[np.float64]:
    """Resample a clip at ``out_fps``: played ``speed`` times as fast from ``start_s``
    (clip seconds) for ``duration_s`` output seconds (default: to the clip's end). The
    clip holds still on its last frame (a performer who has finished), linear between
    frames, or the nearest frame with ``nearest`` (poses then repeat exactly, which
    lets the stage cache their retargeting)."""
    if speed <= 0 or fps <= 0 or out_fps <= 0:
        raise InputError(
            f"retime: speed, fps and out_fps must be > 0, got {speed}, {fps}, {out_fps}"
        )
    lm = np.asarray(landmarks, dtype=np.float64)
    n = lm.shape[0]
    clip_len = (n - 1) / fps
    if duration_s is None:
        duration_s = max(0.0, (clip_len - start_s) / speed)
    count = max(1, round(duration_s * out_fps))
    t = np.clip(start_s + np.arange(count) / out_fps * speed, 0.0, clip_len) * fps
    if nearest:
        return lm[np.minimum(np.rint(t).astype(int), n - 1)].copy()
    i0 = np.floor(t).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    w = (t - i0)[:, None, None]
    return lm[i0] * (1 - w) + lm[i1] * w


def to_poses(
    landmarks: npt.NDArray[np.float64],
    fps: float,
    actor_id: int,
    size: tuple[int, int] = (640, 480),
    camera_distance: float = 4.0,
) -> list[Pose]:
    """Poses as MediaPipe gives them for a y-up clip facing +z (see module doc)."""
    lm = np.asarray(landmarks, dtype=np.float64)
    w, h = size
    focal = 0.9 * w
    out = []
    for i, frame in enumerate(lm):
        hips = (frame[23] + frame[24]) / 2
        world = (frame - hips) * np.array([1.0, -1.0, -1.0])
        depth = camera_distance - frame[:, 2]
        u = w / 2 + focal * frame[:, 0] / depth
        v = h / 2 - focal * (frame[:, 1] - 1.0) / depth
        image = np.stack([u, v, np.full(33, 0.98)], axis=1)
        out.append(
            Pose(i / fps, actor_id, image.astype(np.float32), world.astype(np.float32), 0.98)
        )
    return out


def write_clip(
    path: str | Path,
    poses_by_actor: dict[int, list[Pose]],
    fps: float,
    size: tuple[int, int] = (640, 480),
    meta: dict | None = None,
) -> Path:
    """A ``.pzt`` pose track of one or more actors (frame i holds each actor's pose i)."""
    from previzkit.model.pose_track import PoseFrame, TrackWriter

    n = max(len(v) for v in poses_by_actor.values())
    with TrackWriter(path, width=size[0], height=size[1], fps=fps, meta=meta or {}) as tw:
        for i in range(n):
            people = [v[i] for v in poses_by_actor.values() if i < len(v)]
            tw.write(PoseFrame(i, i / fps, people))
    return Path(path)


def clip_landmarks(path: str | Path, actor_id: int | None = None) -> tuple[float, npt.NDArray]:
    """A shipped ``.pzt`` clip back as (fps, (F, 33, 3) y-up landmarks facing +z), the
    inverse of :func:`to_poses` up to the hip centring (hips stay at their height)."""
    from previzkit.model.pose_track import read_track

    track = read_track(path)
    ids = track.actor_ids()
    if not ids:
        raise InputError(f"pose clip {path}: holds no poses")
    poses = track.actor(ids[0] if actor_id is None else actor_id)
    world = np.stack([p.world for p in poses]).astype(np.float64) * np.array([1.0, -1.0, -1.0])
    world[..., 1] -= world[:, 27:33, 1].min(axis=1, keepdims=True)
    return float(track.fps), world


def build_sample_clips(bvh: str | Path, out_dir: str | Path, fps: float = 30.0) -> list[Path]:
    """The demo's two actor clips from one BVH: ``mara.pzt`` (as captured) and
    ``jonas.pzt`` (mirrored left-right), both facing the camera, at ``fps``."""
    clip = read_bvh(bvh)
    lm = face_camera(bvh_landmarks(clip))
    lm = retime(lm, clip.fps, fps)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"source": Path(bvh).name, "converted_by": "previzkit.production.motion"}
    return [
        write_clip(out / "mara.pzt", {0: to_poses(lm, fps, 0)}, fps, meta=meta),
        write_clip(
            out / "jonas.pzt",
            {0: to_poses(mirror(lm), fps, 0)},
            fps,
            meta={**meta, "mirrored": True},
        ),
    ]


if __name__ == "__main__":  # python3 -m previzkit.production.motion BVH OUT_DIR
    import sys

    for p in build_sample_clips(sys.argv[1], sys.argv[2]):
        print(p)
