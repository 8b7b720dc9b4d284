"""The stage loop reuses the static set (floor, sky, props, marks, frustums) while the
camera and the set stay put, and its frames equal rendering everything every frame:
a waving character over the reused image, a prop and a mark moved through the set
state (rendered afresh), the SIDE camera's frustum and the marks drawn; without and
with MSAA. Mesa llvmpipe, 160x90."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gl


@pytest.mark.parametrize("samples", [0, 4])
def test_reused_static_set_matches_a_full_render(gl, small_set, wave_track, samples):
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sources import TrackSource

    loops = [
        StageLoop(
            gl,
            small_set,
            TrackSource(wave_track),
            StageOptions(160, 90, samples=samples, reuse_static=r),
        )
        for r in (True, False)
    ]
    fast, full = loops
    from previzkit.render.look import Look

    # the character's shadow on the floor would change the static image every frame
    # (a shadowed look renders it afresh: frames still equal, nothing reused); the
    # reuse is checked with the look's shadows off
    for loop in loops:
        loop.renderer.look = Look(shadows=False)
    try:
        for i in range(6):
            if i == 3:  # edits every view applies before its next render
                for loop in loops:
                    loop.edit("prop/ball", position=[1.0, 0.0, -0.5])
                    loop.edit("mark/B", position=[-1.0, 0.5])
            assert fast.step() and full.step()
            assert fast.last_image is not None and full.last_image is not None
            np.testing.assert_array_equal(fast.last_image, full.last_image)
        # frames 0 and 3 (the edits) render all, 1 and 4 fill the static image, 2 and 5
        # reuse it; the character moved every frame
        assert fast.static_layer is not None and fast.static_layer.renders == 2
        assert full.static_layer is None
    finally:
        for loop in loops:
            loop.close()
