"""XR test scenarios, each run in its own process by tests/xr (see conftest.py).

usage: python -m tests.helpers.xr_scenario NAME OUT_DIR  -> writes OUT_DIR/result.json (+ .npy images)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from tests.helpers import SAMPLE_SET as SET


def _views_json(views):
    return [
        {"view": v.view.tolist(), "proj": v.proj.tolist(), "c2w": v.camera_to_world.tolist()}
        for v in views
    ]


def session(out: Path) -> dict:
    """Sample set for 40 frames, per-eye capture + reference render; then the test pattern."""
    from previzkit.core.errors import XRExtensionMissing
    from previzkit.render.headless import create_context
    from previzkit.xr.app import xr_loop
    from previzkit.xr.instance import XRInstance

    res: dict = {}
    try:
        XRInstance(required=["XR_KHR_opengl_enable", "XR_PREVIZKIT_no_such_extension"])
    except XRExtensionMissing as exc:
        res["missing_extension_error"] = str(exc)

    ctx = create_context()
    inst = XRInstance()
    res["info"] = {
        k: getattr(inst.info, k)
        for k in ("runtime_name", "runtime_version", "system_name", "view_sizes")
    }

    captured: dict = {}

    def capture_set(eye, src):
        if loop.stats.frames == 32:
            captured[eye] = src.read_eye(eye)
            v = loop.last_views[eye]
            w, h = captured[eye].shape[1], captured[eye].shape[0]
            color, depth = ctx.texture((w, h), 4), ctx.depth_texture((w, h))
            fbo = ctx.framebuffer([color], depth)
            loop.renderer.render_view(fbo, v.view, v.proj)
            ref = np.frombuffer(fbo.read(components=4, alignment=1), np.uint8).reshape(h, w, 4)[
                ::-1
            ]
            np.save(out / f"set_ref_{eye}.npy", ref)
            fbo.release(), color.release(), depth.release()
            captured[f"views_{eye}"] = _views_json([v])[0]

    aims = {"left": 0, "right": 0, "frames": 0}

    with xr_loop(SET, ctx=ctx, instance=inst, on_eye=capture_set) as loop:
        src = loop.source
        res["binding"] = src.session.binding.kind
        res["space"] = src.session.space_kind
        res["profiles_suggested"] = list(src.actions.profiles)
        res["depth_layer"] = src.swapchains[0].depth is not None
        res["color_format"] = src.swapchains[0].color_format
        # Simulated simple controllers: read their poses through the action system.
        orig = src.read_input

        def read_input(info, wfs, head):
            inp = orig(info, wfs, head)
            aims["frames"] += 1
            aims["left"] += inp.left_aim is not None
            aims["right"] += inp.right_aim is not None
            if inp.left_aim is not None:
                res["current_profiles"] = src.actions.current_profiles()
            return inp

        src.read_input = read_input
        stats = loop.run(frames=40, timeout_s=120)
        res["states"] = stats.states
        res["frames"] = stats.frames
        res["summary"] = stats.summary()
    for eye in (0, 1):
        np.save(out / f"set_eye_{eye}.npy", captured[eye])
        res[f"set_views_{eye}"] = captured[f"views_{eye}"]
    res["aims"] = aims

    pattern: dict = {}

    def capture_pattern(eye, src):
        if loop.stats.frames == 10:
            pattern[eye] = src.read_eye(eye)
            pattern[f"views_{eye}"] = _views_json([loop.last_views[eye]])[0]

    with xr_loop(None, ctx=ctx, instance=inst, on_eye=capture_pattern) as loop:
        stats = loop.run(frames=12, timeout_s=60)
        res["pattern_states"] = stats.states
    for eye in (0, 1):
        np.save(out / f"pattern_eye_{eye}.npy", pattern[eye])
        res[f"pattern_views_{eye}"] = pattern[f"views_{eye}"]
    inst.close()
    ctx.release()
    return res


def remote(out: Path) -> dict:
    """Monado's remote driver (Index controllers) replays a script (PREVIZKIT_INPUT_SCRIPT):
    real buttons through the runtime's action system; collect the events."""
    from previzkit.render.headless import create_context
    from previzkit.xr.app import xr_loop
    from previzkit.xr.input_script import read_input_script
    from previzkit.xr.instance import XRInstance
    from previzkit.xr.monado_remote import MonadoRemote, drive_remote

    port = int(os.environ["PREVIZKIT_REMOTE_PORT"])
    script = read_input_script(os.environ["PREVIZKIT_INPUT_SCRIPT"])
    ctx = create_context()
    inst = XRInstance()
    res: dict = {"system": inst.info.system_name}
    events = []
    frames = int(script.duration * script.rate_hz) + 5

    with xr_loop(None, ctx=ctx, instance=inst, on_event=events.append) as loop:
        src = loop.source
        orig = src.read_input

        def read_input(info, wfs, head):
            inp = orig(info, wfs, head)
            if (
                "grip_from_aim" not in res
                and inp.left_aim is not None
                and inp.left_grip is not None
            ):
                res["grip_from_aim"] = (np.linalg.inv(inp.left_grip) @ inp.left_aim).tolist()
            return inp

        src.read_input = read_input
        remote_client = MonadoRemote(port)
        steps = 0
        # Script time = rendered frames / rate (the null compositor paces at 20 Hz).
        while loop.stats.frames < frames and steps < 3000:
            drive_remote(remote_client, script.at(loop.stats.frames / script.rate_hz))
            if not loop.step():
                break
            steps += 1
        res["profiles"] = src.actions.current_profiles()
        stats = loop.run(frames=loop.stats.frames)  # ends the session
        res["states"] = stats.states
        res["world_from_space"] = loop.world_from_space.tolist()
        remote_client.close()
    res["events"] = [{"type": type(e).__name__, **_plain(e)} for e in events]
    inst.close()
    ctx.release()
    return res


def _plain(event) -> dict:
    out = {}
    for k, v in vars(event).items():
        if isinstance(v, np.ndarray):
            v = v.tolist()
        elif hasattr(v, "focal_mm"):
            out[f"{k}_focus_m"] = v.focus_m
            v = v.focal_mm
        out[k] = v
    return out


def validation(out: Path) -> dict:
    """The set under the core validation layer (XR_ENABLE_API_LAYERS, findings to a file).

    Then a negative control: a deliberately invalid call the layer must report.
    """
    import ctypes

    import xr

    from previzkit.xr.app import run
    from previzkit.xr.instance import XRInstance

    log = Path(os.environ["XR_CORE_VALIDATION_FILE_NAME"])
    stats = run(SET, frames=30)
    clean = log.read_text() if log.exists() else ""
    inst = XRInstance()
    info = xr.SystemGetInfo()
    info._form_factor = 999  # not an XrFormFactor
    result = xr.raw_functions.xrGetSystem(
        inst.handle, ctypes.byref(info), ctypes.byref(xr.SystemId())
    )
    inst.close()
    return {
        "frames": stats.frames,
        "states": stats.states,
        "clean_log": clean,
        "control_result": int(result),
    }


def mirror(out: Path) -> dict:
    """Headset loop with the desktop mirror window (needs DISPLAY: Xvfb in the tests)."""
    from previzkit.xr.app import xr_loop

    left: dict = {}

    def grab(eye, src):
        if eye == 0:
            left["img"] = src.read_eye(0)

    with xr_loop(None, mirror=True, on_eye=grab) as loop:
        stats = loop.run(frames=10, timeout_s=60)
        window = loop.mirror.read()
    np.save(out / "window.npy", window)
    np.save(out / "left.npy", left["img"])
    return {"frames": stats.frames, "states": stats.states}


def glx(out: Path) -> dict:
    """A session with the GLX (Xlib) binding from a glfw window's context (needs DISPLAY)."""
    import glfw
    import moderngl

    from previzkit.xr.app import xr_loop
    from previzkit.xr.instance import OPENGL, XRInstance

    glfw.init()
    glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
    glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
    glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
    glfw.window_hint(glfw.VISIBLE, False)
    window = glfw.create_window(64, 64, "previzkit xr test", None, None)
    glfw.make_context_current(window)
    ctx = moderngl.create_context()
    inst = XRInstance(required=[OPENGL])  # no EGL extension needed
    eyes: dict = {}

    def grab(eye, src):
        eyes[eye] = src.read_eye(eye)

    with xr_loop(None, ctx=ctx, instance=inst, on_eye=grab) as loop:
        binding = loop.source.session.binding.kind
        stats = loop.run(frames=10, timeout_s=60)
    inst.close()
    glfw.destroy_window(window)
    centre = [eyes[e][120, 160].tolist() for e in (0, 1)]
    return {"binding": binding, "frames": stats.frames, "states": stats.states, "centre": centre}


SCENARIOS = {
    "session": session,
    "remote": remote,
    "validation": validation,
    "mirror": mirror,
    "glx": glx,
}

if __name__ == "__main__":
    name, out_dir = sys.argv[1], Path(sys.argv[2])
    result = SCENARIOS[name](out_dir)
    (out_dir / "result.json").write_text(json.dumps(result, default=str))
