"""previzkit.xr: OpenXR headset sessions through pyopenxr.

Importing this package is light (no ``xr``, no ``moderngl``). The parts:

- :mod:`previzkit.xr.instance`   instance + HMD system selection, runtime facts
- :mod:`previzkit.xr.graphics`   OpenGL binding from a moderngl context (EGL/GLX/Win32)
- :mod:`previzkit.xr.session`    session lifecycle as an explicit state machine
- :mod:`previzkit.xr.swapchain`  swapchains whose images are moderngl textures
- :mod:`previzkit.xr.views`      XrView (pose + FOV) -> view/projection matrices (pure)
- :mod:`previzkit.xr.actions`    action set + suggested bindings (simple, Touch, Index)
- :mod:`previzkit.xr.events`     controller input -> stage events (pure)
- :mod:`previzkit.xr.loop`       the frame loop (FrameLoop) and the offscreen source
- :mod:`previzkit.xr.headset`    the OpenXR frame source (layers with depth)
- :mod:`previzkit.xr.mirror`     desktop mirror window of the left eye (glfw)
- :mod:`previzkit.xr.app`        ``xr_loop`` / ``run``: open a set in the headset or offscreen
- :mod:`previzkit.xr.pattern`    a bare test scene (floor + cube)
- :mod:`previzkit.xr.check`      ``previzkit xr --check``
- :mod:`previzkit.xr.monado_remote`  drive Monado's remote driver (tests, rehearsal)
"""
