"""How an eye is anti-aliased: multisampled swapchains where the runtime offers them,
else a multisampled framebuffer resolved into the swapchain image (pure)."""

from __future__ import annotations

from previzkit.xr.swapchain import sample_plan


def test_runtime_msaa_swapchains_are_used_up_to_their_limit():
    assert sample_plan(4, 8) == (4, 0)
    assert sample_plan(4, 2) == (2, 0)


def test_without_runtime_msaa_the_eye_is_resolved_from_a_multisampled_framebuffer():
    assert sample_plan(4, 1) == (1, 4)


def test_zero_or_one_sample_is_off():
    assert sample_plan(0, 8) == (1, 0)
    assert sample_plan(1, 1) == (1, 0)
