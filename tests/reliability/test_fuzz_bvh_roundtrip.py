"""Fuzz the BVH writer: random poses written as BVH and read back by an independent
parser (bvhio) give the same joint positions as our forward kinematics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from previzkit.capture.bvh import bvh_text
from previzkit.core.errors import InputError
from previzkit.core.types import SkeletonPose
from previzkit.model.kinematics import forward_kinematics
from previzkit.model.skeleton import SKELETON, default_skeleton
from tests.helpers.fuzzkit import fuzz_settings

bvhio = pytest.importorskip("bvhio")

_unit = st.floats(-1, 1, allow_nan=False)
_quat = st.tuples(_unit, _unit, _unit, _unit).filter(lambda q: sum(c * c for c in q) > 1e-3)
_pose = st.builds(
    SkeletonPose,
    root=st.tuples(*[st.floats(-20, 20, allow_nan=False)] * 3),
    rotations=st.dictionaries(st.sampled_from(list(SKELETON)), _quat, max_size=len(SKELETON)),
)


def _normalized(p: SkeletonPose) -> SkeletonPose:
    return SkeletonPose(
        p.root, {k: tuple(np.asarray(q) / np.linalg.norm(q)) for k, q in p.rotations.items()}
    )


@fuzz_settings(0.3)
@given(
    poses=st.lists(_pose, min_size=1, max_size=3),
    height=st.floats(0.5, 2.5),
    units=st.sampled_from(["cm", "m"]),
)
def test_fuzz_bvh_round_trip(tmp_path_factory, poses, height, units):
    sk = default_skeleton(height)
    poses = [_normalized(p) for p in poses]
    path = tmp_path_factory.mktemp("bvh") / "fuzz.bvh"
    path.write_text(bvh_text(sk, poses, 1 / 24, units))
    k = 100.0 if units == "cm" else 1.0
    root = bvhio.readAsHierarchy(str(path))
    for f, pose in enumerate(poses):
        root.loadPose(f)
        want = forward_kinematics(sk, pose)[:, :3, 3] * k
        for j, _, _ in root.layout():
            got = np.array(j.PositionWorld)
            assert np.allclose(got, want[sk.index(j.Name)], atol=2e-3 * k), (f, j.Name)


@fuzz_settings(0.3)
@given(frame_time=st.floats(allow_nan=True, allow_infinity=True), units=st.text(max_size=3))
def test_fuzz_bvh_arguments(frame_time, units):
    sk = default_skeleton()
    try:
        text = bvh_text(sk, [SkeletonPose((0, 1, 0), {})], frame_time, units)
    except InputError:
        return
    assert text.startswith("HIERARCHY")
