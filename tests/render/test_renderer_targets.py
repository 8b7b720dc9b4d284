"""The renderer draws into whatever framebuffer it is given (a window's screen, an XR
swapchain image), caches programs per context, and releases what it made."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.geometry import look_at, view_matrix
from previzkit.model.camera import Lens, perspective_from_lens
from previzkit.model.setfile import load_set
from previzkit.render.gl import program, release_programs
from previzkit.render.look import Look
from previzkit.render.renderer import Renderer, SetDrawables

pytestmark = pytest.mark.gl


def test_render_view_into_a_caller_framebuffer_viewport(gl, write_set, sphere_file, isolated_set):
    props = [{"name": "s", "mesh": sphere_file.name, "position": [0, 20, -2], "color": [1, 0, 0]}]
    renderer = Renderer(gl, load_set(write_set(isolated_set(props))), look=Look.off())
    # a caller-owned framebuffer, as a window or an XR swapchain would provide
    color = gl.texture((128, 64), 4)
    depth = gl.depth_renderbuffer((128, 64))
    fbo = gl.framebuffer(color_attachments=[color], depth_attachment=depth)
    try:
        fbo.clear(0.0, 1.0, 0.0, 1.0)  # green: what the renderer must leave alone
        pose = look_at((0, 20, 0), (0, 20, -2))
        proj = perspective_from_lens(Lens(35.0), 1.0)
        renderer.render_view(fbo, view_matrix(pose), proj, viewport=(64, 0, 64, 64))
        img = np.frombuffer(fbo.read(components=3), np.uint8).reshape(64, 128, 3)[::-1]
        assert (img[:, :64] == [0, 255, 0]).all()  # the other half untouched
        assert (img[32, 96] == [255, 0, 0]).all()  # the sphere in the middle of the viewport
        assert (img[2, 66] == [0, 0, 0]).all()  # the set's background colour
        ref = renderer.render_image((pose, Lens(35.0)), 64, 64)
        assert np.array_equal(ref, img[:, 64:])  # same pixels as the offscreen path
    finally:
        renderer.release()
        fbo.release()
        color.release()
        depth.release()


def test_programs_cached_per_context(gl):
    assert program(gl, "lit") is program(gl, "lit")
    with pytest.raises(Exception, match="no shader program 'nope'"):
        program(gl, "nope")


def test_scene_shared_between_renderers_and_release(gl, write_set, sphere_file):
    set_def = load_set(write_set({"props": [{"name": "s", "mesh": sphere_file.name}]}))
    scene = SetDrawables(gl, set_def)
    a, b = Renderer(gl, scene), Renderer(gl, scene)
    img_a = a.render_image((look_at((0, 1, 3), (0, 0, 0)), Lens(35.0)), 32, 32)
    img_b = b.render_image((look_at((0, 1, 3), (0, 0, 0)), Lens(35.0)), 32, 32)
    assert np.array_equal(img_a, img_b)
    a.release()  # a renderer given a SetDrawables does not free it
    assert scene.props["s"]._parts
    b.release()
    scene.release()
    scene.release()  # idempotent
    assert scene.props["s"]._parts == []
    assert gl.error == "GL_NO_ERROR"


def test_bad_renderer_inputs(gl, write_set, sphere_file):
    renderer = Renderer(
        gl, load_set(write_set({"props": [{"name": "s", "mesh": sphere_file.name}]}))
    )
    try:
        with pytest.raises(InputError, match=r"image size must be positive integers, got 0x10"):
            renderer.render_image((np.eye(4), Lens()), 0, 10)
        with pytest.raises(InputError, match=r"camera pose must be a \(4, 4\).*got \(3, 3\)"):
            renderer.render_image((np.eye(3), Lens()), 8, 8)
        with pytest.raises(InputError, match=r"no camera named 'X'"):
            renderer.render_image("X", 8, 8)
        with pytest.raises(InputError, match="render_stereo needs 2 eyes, got 1"):
            renderer.render_stereo([None], 8, 8)
        with pytest.raises(InputError, match="is not a Drawable"):
            renderer.drawables.add(object())
    finally:
        renderer.release()


def test_msaa_render_and_release_programs(gl, write_set, sphere_file):
    ctx = gl
    renderer = Renderer(
        ctx, load_set(write_set({"props": [{"name": "s", "mesh": sphere_file.name}]}))
    )
    try:
        img = renderer.render_image((look_at((0, 1, 3), (0, 0, 0)), Lens(35.0)), 48, 32, samples=4)
        assert img.shape == (32, 48, 3)
    finally:
        renderer.release()
    release_programs(ctx)  # next use compiles again
    assert program(ctx, "lit") is not None


def test_vertex_array_mismatch_names_both_sides(gl):
    from previzkit.render.gl import ShaderError, vertex_array

    prog = program(gl, "lit", {"NUM_LIGHTS": 1, "TEXTURED": True})
    buf = gl.buffer(reserve=36)
    try:
        with pytest.raises(ShaderError) as e:
            vertex_array(gl, prog, [(buf, "3f", "in_position")])
        msg = str(e.value)
        assert "program expects attributes" in msg and "in_uv" in msg and "in_normal" in msg
        assert "buffers provide ['in_position']" in msg
    finally:
        buf.release()


def test_framebuffer_for_a_colour_texture_adds_depth(gl, write_set, sphere_file, isolated_set):
    """As for an OpenXR swapchain image: a bare colour texture gets a depth buffer."""
    props = [
        {"name": "near", "mesh": sphere_file.name, "position": [0, 20, -2], "color": [1, 0, 0]},
        {"name": "far", "mesh": sphere_file.name, "position": [0, 20, -3], "color": [0, 0, 1]},
    ]
    renderer = Renderer(gl, load_set(write_set(isolated_set(props))), look=Look.off())
    tex = gl.texture((64, 64), 4)
    try:
        fbo = renderer.framebuffer_for(tex)
        assert renderer.framebuffer_for(tex) is fbo
        pose = look_at((0, 20, 0), (0, 20, -2))
        proj = perspective_from_lens(Lens(35.0), 1.0)
        renderer.render_view(fbo, view_matrix(pose), proj)
        img = np.frombuffer(tex.read(), np.uint8).reshape(64, 64, 4)[::-1, :, :3]
        assert (img[32, 32] == [255, 0, 0]).all()  # the near sphere wins the depth test
        assert np.array_equal(img, renderer.render_image((pose, Lens(35.0)), 64, 64))
    finally:
        renderer.release()
        tex.release()
