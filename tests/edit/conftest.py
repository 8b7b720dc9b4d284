"""A test project of recorded takes for the sample screenplay, built once per session.

Scene 1 (rooftop) and scene 2 (warehouse) of previzkit/assets/scripts/sample.fountain, with
takes chosen so each scoring rule decides one shot (see EXPECTED).
"""

from __future__ import annotations

import pytest

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


@pytest.fixture(scope="session")
def sample_script():
    return asset_path("scripts", "sample.fountain")


@pytest.fixture(scope="session")
def take_project(tmp_path_factory):
    """A take store with videos (H.264 + AAC), audio and pose tracks per take."""
    pytest.importorskip("av")
    from previzkit.edit.synthetic import synthetic_actor_track, write_take_video
    from previzkit.model import timecode as tc
    from previzkit.model.pose_track import write_actor_npz, write_actor_pzt
    from previzkit.model.take import Take
    from previzkit.takes.store import TakeStore

    root = tmp_path_factory.mktemp("project")
    media = tmp_path_factory.mktemp("media")
    start = 10 * 3600 * FPS  # 10:00:00:00, one minute apart per take
    with TakeStore(root) as store:
        for i, (shot, n, circled, rating, conf, drop, status, xz, action) in enumerate(TAKES):
            video = write_take_video(
                media / f"{shot}_{n}.mp4", FRAMES, FPS, seed=i, sound=(action[0] + 6, action[1] - 6)
            )
            track = synthetic_actor_track(
                FRAMES, FPS, action, confidence=conf, dropouts=drop, end_xz=xz, seed=i
            )
            if shot.startswith("2-"):  # marks need the root in the set: .npz arrays
                pose = write_actor_npz(track, media / f"{shot}_{n}_pose.npz")
            else:  # the capture area's .pzt track, through its writer
                pose = write_actor_pzt(track, media / f"{shot}_{n}_pose.pzt", FPS)
            take = Take(
                shot.split("-")[0],
                shot,
                n,
                tc.frames_to_timecode(start + i * 60 * FPS, "24"),
                "24",
                FRAMES,
                rating=rating,
                circled=circled,
                status=status,
            )
            store.add(take, {"video": video, "pose": pose})
    return root


@pytest.fixture(scope="session")
def assembled(take_project, sample_script):
    """The cut assembled from the test project (short takes: 0.2 s minimum shot)."""
    from previzkit.edit.assemble import AssemblyRules, assemble

    return assemble(take_project, sample_script, rules=AssemblyRules(min_shot_s=0.2))


@pytest.fixture(scope="session")
def cut_file(assembled, tmp_path_factory):
    from previzkit.edit.exporters import export

    return export(assembled.timeline, tmp_path_factory.mktemp("cut") / "cut.otio")


@pytest.fixture(scope="session")
def rendered(cut_file):
    """The cut rendered at 320x180."""
    from previzkit.edit.render import RenderOptions, render_cut

    return render_cut(cut_file, cut_file.with_suffix(".mp4"), RenderOptions(320, 180))
