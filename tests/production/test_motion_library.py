"""The shipped motion library: real captured clips, their index, contacts and skating."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.production import deepmimic, library, motion

# actions the shipped sources hold (assets/README.md, motion library); none of sit, talk,
# listen, look around or point was found with a licence that allows redistribution
ACTIONS = {"walk", "run", "turn", "stand", "idle", "kneel", "jump", "climb", "kick", "punch"}


@pytest.fixture(scope="module")
def lib() -> library.MotionLibrary:
    return library.load_library()


def test_library_loads_from_the_package_assets(lib) -> None:
    assert len(lib.clips) >= 10 and set(lib.tags) >= ACTIONS
    for tag in ACTIONS:
        assert lib.find(tag), tag
    assert lib.find("no-such-action") == []
    walk = lib.get("walk")
    assert walk.path.is_file() and walk.source is not None and walk.source.is_file()
    assert walk.fps == 30.0 and walk.has_root_motion and walk.root_travel_m > 1.0
    assert abs(lib.get("turn_around").heading_change_deg) > 150
    with pytest.raises(InputError, match="no clip 'sit'"):
        lib.get("sit")


def test_every_clip_rebuilds_from_its_bvh(lib) -> None:
    for clip in lib.clips:
        lm = library.convert_bvh(clip.source, scale=clip.scale)
        assert lm.shape == (clip.frames, 33, 3), clip.id
        assert np.allclose(lm, clip.landmarks(), atol=2e-4), clip.id
        again = library.describe(clip.id, clip.tags, lm, clip.fps, clip.path)
        assert again.contacts == clip.contacts, clip.id


def test_contacts_are_plausible(lib) -> None:
    walk = lib.get("walk")
    left, right = walk.contacts["left"], walk.contacts["right"]
    assert left and right
    # the feet take turns: the left is down while the right swings, and back
    assert max(b for _, b in right) < min(a for a, _ in left) or max(b for _, b in left) < min(
        a for a, _ in right
    )
    for cid in ("idle_stand", "kneel_hold"):
        clip = lib.get(cid)
        for ranges in clip.contacts.values():
            assert sum(b - a + 1 for a, b in ranges) > 0.8 * clip.frames, cid


def test_foot_skating_of_the_walks_and_the_idle(lib) -> None:
    for cid in ("walk", "walk_curve", "idle_stand", "turn_around"):
        clip = lib.get(cid)
        lm = clip.landmarks()
        skate = library.foot_skate(lm, clip.fps, clip.contacts)
        assert skate == pytest.approx(clip.foot_skate_cm_s, abs=0.02)
        assert max(skate.values()) < 10.0, (cid, skate)


def test_contact_detection_on_a_synthetic_step() -> None:
    lm = np.zeros((30, 33, 3))
    lm[:, :, 1] = 1.0
    lm[:, 27:33, 1] = 0.02
    lm[10:20, [28, 30, 32], 1] = 0.3  # the right foot lifts for frames 10-19
    lm[:, [28, 30, 32], 0] = np.linspace(0, 0.6, 30)[:, None]  # and moves 2 cm a frame
    lm[:, [27, 29, 31], 0] = 0.0
    c = library.foot_contacts(lm, 30.0)
    assert c["left"] == [(0, 29)] and c["right"] == []
    lm[:, [28, 30, 32], 0] = 0.0
    assert library.foot_contacts(lm, 30.0)["right"] == [(0, 9), (20, 29)]
    with pytest.raises(InputError, match=r"\(F, 33, 3\)"):
        library.foot_contacts(np.zeros((5, 17, 3)), 30.0)


def test_bvh_cut_and_write_round_trip(tmp_path, lib) -> None:
    clip = motion.read_bvh(lib.get("kneel_down").source)
    cut = motion.cut_bvh(clip, 1.0, 2.0, fps=15.0)
    assert len(cut.motion) == 16 and cut.fps == pytest.approx(15.0, rel=1e-3)
    back = motion.read_bvh(motion.write_bvh(cut, tmp_path / "cut.bvh"))
    _, a = motion.forward_kinematics(cut)
    _, b = motion.forward_kinematics(back)
    order = [cut.names.index(n) for n in back.names]
    assert np.allclose(a[:, order], b, atol=1e-2)
    with pytest.raises(InputError, match="not inside"):
        motion.cut_bvh(clip, 50.0, 60.0)


def test_deepmimic_rejects_a_foreign_file() -> None:
    with pytest.raises(InputError, match=r"m\.txt.*expected"):
        deepmimic.deepmimic_bvh('{"Frames": [[1, 2, 3], [1, 2, 3]]}', "m.txt")
    with pytest.raises(InputError, match=r"m\.txt.*JSON"):
        deepmimic.deepmimic_bvh("not json", "m.txt")


def test_written_sources_read_the_same_in_bvhio(lib) -> None:
    """bvhio (an independent BVH reader) puts every joint of the cut and converted
    sources where previzkit's forward kinematics does."""
    bvhio = pytest.importorskip("bvhio")
    for cid in ("walk", "turn_around"):
        path = lib.get(cid).source
        clip = motion.read_bvh(path)
        _, pos = motion.forward_kinematics(clip)
        root = bvhio.readAsHierarchy(str(path))
        for k in range(0, len(pos), 7):
            root.loadPose(k)
            for joint, *_ in root.layout():
                got = pos[k, clip.names.index(joint.Name)]
                assert np.allclose(got, np.array(joint.PositionWorld), atol=1e-2), (cid, k)
