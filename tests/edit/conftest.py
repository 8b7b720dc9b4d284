"""A test project of recorded takes for the sample screenplay, built once per session.

Scene 1 (rooftop) and scene 2 (warehouse) of previzkit/assets/scripts/sample.fountain, with
takes chosen so each scoring rule decides one shot (tests/helpers/edit_project.py
names the takes and, in EXPECTED, the take each shot should get).
"""

from __future__ import annotations

import pytest

from previzkit.core.resources import asset_path
from tests.helpers.edit_project import FPS, FRAMES, TAKES


def _camera_track(path, seed: int):
    """A take's camera.npz: a push-in over the take's frames, zooming from 30 + seed mm
    to 50 mm (what tests/helpers/edit_project.camera_focal says)."""
    import numpy as np

    from previzkit.model.camera_track import CameraTrack, write_camera_track
    from tests.helpers.edit_project import camera_focal

    t = np.arange(FRAMES) / FPS
    return write_camera_track(
        CameraTrack(
            np.arange(FRAMES, dtype=np.int64),
            t,
            np.stack([np.zeros(FRAMES), np.full(FRAMES, 1.6), 4.0 - 0.5 * t], 1),
            np.tile([0.0, 0.0, 0.0, 1.0], (FRAMES, 1)),
            np.linspace(*camera_focal(seed), FRAMES),
            np.tile([24.89, 18.66], (FRAMES, 1)),
            np.full(FRAMES, 3.0),
        ),
        path,
    )


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
            files = {"video": video, "pose": pose}
            if shot.startswith("1-"):  # scene 1's takes have the handheld camera's track
                files["camera"] = _camera_track(media / f"{shot}_{n}_camera.npz", i)
            store.add(take, files)
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
