"""The takes of the edit tests' project (tests/edit/conftest.py builds it) and the take
each shot's scoring should choose."""

from __future__ import annotations

from previzkit.core.resources import asset_path

FPS = 24
FRAMES = 72  # 3 s takes


def _near_mark_a() -> tuple[float, float]:
    """10 cm from mark A of scene 2's set (the plan picks previzkit/assets/sets/warehouse.yaml)."""
    from previzkit.model.setfile import load_set

    x, z = load_set(asset_path("sets", "warehouse.yaml")).marks["A"].position
    return (x, z + 0.1)


NEAR_A = _near_mark_a()

# (shot, take, circled, rating, confidence, dropouts, status, mark xz, action frames)
TAKES = [
    ("1-A", 1, False, 0, 0.95, 0.0, "ok", (0.0, 0.0), (12, 60)),
    ("1-B", 1, False, 5, 0.95, 0.0, "ok", (0.0, 0.0), (12, 60)),
    ("1-B", 2, True, 2, 0.80, 0.1, "ok", (0.0, 0.0), (12, 60)),  # circled wins
    ("1-B", 3, False, 0, 0.99, 0.0, "ok", (0.0, 0.0), (12, 60)),
    ("1-F", 1, False, 0, 0.40, 0.3, "ok", (0.0, 0.0), (12, 60)),
    ("1-F", 2, False, 0, 0.97, 0.0, "ok", (0.0, 0.0), (12, 60)),  # tracking wins
    ("1-G", 1, False, 3, 0.95, 0.0, "ok", (0.0, 0.0), (12, 60)),  # rating wins
    ("1-G", 2, False, 0, 0.99, 0.0, "ok", (0.0, 0.0), (12, 60)),
    ("2-B", 1, False, 0, 0.95, 0.0, "ok", NEAR_A, (12, 60)),  # hits mark A
    ("2-B", 2, False, 0, 0.95, 0.0, "recovered", NEAR_A, (12, 60)),
    ("2-B", 3, False, 0, 0.95, 0.0, "ok", (3.0, 3.0), (12, 60)),  # misses its mark
]
EXPECTED = {"1-A": 1, "1-B": 2, "1-F": 2, "1-G": 1, "2-B": 1}


def camera_focal(index: int) -> tuple[float, float]:
    """First and last focal length (mm) of the camera track of ``TAKES[index]`` (the
    scene 1 takes have one)."""
    return (30.0 + index, 50.0)


# -- a project whose takes have world joint tracks (joints.npz), for matching action ----

#: A short two-scene screenplay: Jonas lies down in the middle of scene 1; scene 2 jumps
#: ahead in time ("MOMENTS LATER") to Jonas lying on the gravel.
CONTINUITY_SCRIPT = """\
Title: MATCHING ACTION

INT. STUDIO - NIGHT #1#

Mara crosses the studio to Jonas.

MARA
You look tired. Sit down.

JONAS
I am fine, really.

Jonas sinks to the floor and lies flat on his back.

MARA
Jonas? Talk to me.

JONAS
Just resting my eyes.

EXT. ROOF - DAWN #2#

Jonas stands at the ledge. Mara waits by the door.

MARA
We should go now.

MOMENTS LATER. Jonas lies on the gravel, looking up.

JONAS
Five more minutes.
"""

#: (scene, shot type, subject or None, take, rating, confidence, offsets): ``offsets``
#: maps a character to how late (s) they play the scene in that take. In the best take
#: of Jonas's single (take 1, better tracking) he still stands for his last line (3 s
#: late); take 2, a few points behind, lies down on time. Mara's single plays her walk
#: 0.4 s early.
CONTINUITY_TAKES = [
    ("1", "master", None, 1, 0, 0.95, {}),
    ("1", "single", "MARA", 1, 0, 0.95, {"MARA": -0.4}),
    ("1", "single", "JONAS", 1, 0, 0.97, {"JONAS": 3.0}),
    ("1", "single", "JONAS", 2, 0, 0.90, {}),
    ("2", "master", None, 1, 0, 0.95, {}),
    ("2", "single", "MARA", 1, 0, 0.95, {}),
]
HANDLE = 12  # frames of head and tail around each take's action


def standing(x: float, z: float):
    """(J, 3) joints of the default skeleton standing at (x, z) on the floor (m)."""
    import numpy as np

    from previzkit.model.skeleton import default_skeleton

    return default_skeleton().rest_positions() + np.array([x, 0.0, z])


def lying(x: float, z: float):
    """(J, 3) joints lying on the back along -z from (x, z), 10 cm above the floor."""
    import numpy as np

    from previzkit.model.skeleton import default_skeleton

    p = default_skeleton().rest_positions()
    return np.stack([p[:, 0] + x, p[:, 2] + 0.1, z - p[:, 1]], 1)


def _smooth(u):
    import numpy as np

    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


def scene_pose(scene: str, character: str, s: float, marks: dict[str, float]):
    """(J, 3) joints of ``character`` at ``s`` seconds of scene ``scene``'s script time;
    ``marks`` names script times: ``lie`` (scene 1: Jonas starts to lie down, over
    0.6 s), ``later`` (scene 2: Jonas lies from then on)."""
    if scene == "1" and character == "MARA":  # walks from the door to Jonas over 2 s
        w = float(_smooth((s - 0.5) / 2.0))
        return standing(-2.5 + 1.8 * w, 1.5 - 1.3 * w)
    if scene == "1":
        w = float(_smooth((s - marks["lie"]) / 0.6))
        return (1 - w) * standing(0.3, 0.0) + w * lying(0.3, 0.0)
    if character == "MARA":
        return standing(-1.0, 0.5)
    return lying(0.8, -0.5) if s > marks["later"] else standing(0.8, -0.5)


def performance(
    scene: str,
    beats: list,
    covers: list[int],
    frames: int,
    fps: float,
    action: tuple[int, int],
    offsets: dict[str, float],
    characters: tuple[str, ...] = ("MARA", "JONAS"),
):
    """The JointTrack of one take: its action frames [a, b) play the script time of the
    beats the shot covers (``covers``: script lines) at script pace; heads and tails
    hold the first and last pose; ``offsets`` delays characters (s)."""
    import numpy as np

    from previzkit.model.joint_track import JointTrack
    from previzkit.model.skeleton import default_skeleton

    spans, t = [], 0.0
    for b in beats:
        if set(b.lines) & set(covers):
            spans.append((t, t + b.estimate_s))
        t += b.estimate_s
    action_beat = next(b for b in beats if b.kind == "action" and b.index > 0)
    start = sum(b.estimate_s for b in beats[: action_beat.index])
    marks = {"lie": start + 0.5, "later": start}
    covered = sum(e - s for s, e in spans)
    frames_out = []
    for f in range(frames):
        tau = np.clip((f - action[0]) / (action[1] - action[0]), 0.0, 1.0) * covered
        s = spans[-1][1]
        for s0, s1 in spans:  # covered time -> scene script time
            if tau <= s1 - s0:
                s = s0 + tau
                break
            tau -= s1 - s0
        frames_out.append(
            [scene_pose(scene, c, s - offsets.get(c, 0.0), marks) for c in characters]
        )
    names = default_skeleton().names
    return JointTrack.from_frames(characters, names, frames_out, fps)


def build_continuity_project(root, media, joints: bool = True, takes=None):
    """A take store for CONTINUITY_SCRIPT (written to ``media``/script.fountain) with
    ``takes`` (default CONTINUITY_TAKES), each with video, pose track and (``joints``)
    a joints.npz; returns (project folder, script path)."""
    from pathlib import Path

    from previzkit.edit.assemble import scene_beats
    from previzkit.edit.synthetic import synthetic_actor_track, write_take_video
    from previzkit.model import timecode as tc
    from previzkit.model.joint_track import write_joint_track
    from previzkit.model.pose_track import write_actor_npz
    from previzkit.model.take import Take
    from previzkit.script import plan_shots, read_script
    from previzkit.takes.store import TakeStore

    root, media = Path(root), Path(media)
    media.mkdir(parents=True, exist_ok=True)
    script_path = media / "script.fountain"
    script_path.write_text(CONTINUITY_SCRIPT)
    script = read_script(script_path)
    plan = plan_shots(script)
    scenes = {sc.number: sc for sc in script.scenes}
    start = 10 * 3600 * FPS
    with TakeStore(root) as store:
        for i, (scene, kind, subject, n, rating, conf, offsets) in enumerate(
            takes or CONTINUITY_TAKES
        ):
            sp = next(p for p in plan.scenes if p.number == scene)
            shot = next(
                s
                for s in sp.shots
                if s.type == kind and (subject is None or s.subjects[0] == subject)
            )
            beats = scene_beats(scenes[scene])
            est = sum(b.estimate_s for b in beats if set(b.lines) & set(shot.covers))
            action = (HANDLE, HANDLE + round(est * FPS))
            frames = action[1] + HANDLE
            name = f"{shot.id}_{n}"
            video = write_take_video(media / f"{name}.mp4", frames, FPS, seed=i, sound=action)
            pose = write_actor_npz(
                synthetic_actor_track(frames, FPS, action, confidence=conf, seed=i),
                media / f"{name}_pose.npz",
            )
            files = {"video": video, "pose": pose}
            if joints:
                track = performance(scene, beats, shot.covers, frames, FPS, action, offsets)
                files["joints"] = write_joint_track(track, media / f"{name}_joints.npz")
            take = Take(
                scene,
                shot.id,
                n,
                tc.frames_to_timecode(start + i * 60 * FPS, "24"),
                "24",
                frames,
                rating=rating,
            )
            store.add(take, files)
    return root, script_path
