"""Swapchain format choice (pure)."""

from __future__ import annotations

from previzkit.xr.swapchain import (
    COLOR_PREFERENCE,
    DEPTH_PREFERENCE,
    GL_DEPTH_COMPONENT32F,
    GL_RGBA8,
    GL_RGBA16F,
    GL_SRGB8_ALPHA8,
    choose_format,
)


def test_srgb_preferred_then_rgba8():
    assert (
        choose_format([GL_RGBA16F, GL_RGBA8, GL_SRGB8_ALPHA8], COLOR_PREFERENCE) == GL_SRGB8_ALPHA8
    )
    assert choose_format([GL_RGBA16F, GL_RGBA8], COLOR_PREFERENCE) == GL_RGBA8


def test_none_when_nothing_fits():
    assert choose_format([GL_RGBA16F], COLOR_PREFERENCE) is None
    assert choose_format([], DEPTH_PREFERENCE) is None


def test_depth_fallbacks():
    assert choose_format([GL_DEPTH_COMPONENT32F], DEPTH_PREFERENCE) == GL_DEPTH_COMPONENT32F
