"""A test project of recorded takes for the sample screenplay, built once per session.

Scene 1 (rooftop) and scene 2 (warehouse) of previzkit/assets/scripts/sample.fountain, with
takes chosen so each scoring rule decides one shot (tests/helpers/edit_project.py
names the takes and, in EXPECTED, the take each shot should get).
"""

from __future__ import annotations

import pytest

from previzkit.core.resources import asset_path
from tests.helpers.edit_project import FPS, FRAMES, TAKES


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
