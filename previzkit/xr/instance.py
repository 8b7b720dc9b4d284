"""OpenXR instance and HMD system selection.

One :class:`XRInstance` per process at a time (the loader allows no more). Before the
loader's first call the runtime is found and made active for this process
(:func:`previzkit.xr.runtime.activate_runtime`: an installed Monado is used with no
variable set by hand, and the loader's own stderr lines are turned off). Required
extensions are checked before the instance is made, so a runtime lacking one gets
:class:`~previzkit.core.errors.XRExtensionMissing` naming it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from previzkit.core.optional import require
from previzkit.xr.errors import extension_missing, runtime_unavailable, translated
from previzkit.xr.runtime import RuntimeChoice, activate_runtime

OPENGL = "XR_KHR_opengl_enable"
EGL = "XR_MNDX_egl_enable"
DEPTH = "XR_KHR_composition_layer_depth"


def graphics_extensions(headless_egl: bool | None = None) -> list[str]:
    """Extensions previzkit's OpenGL binding needs on this platform.

    On Linux the binding is EGL (``XR_MNDX_egl_enable``) unless ``headless_egl`` is
    False (GLX window context).
    """
    if headless_egl is None:
        headless_egl = sys.platform.startswith("linux")
    return [OPENGL, EGL] if headless_egl else [OPENGL]


def available_extensions() -> list[str]:
    """Instance extensions the active runtime offers; raises XRRuntimeUnavailable.

    Activates the runtime first (:func:`~previzkit.xr.runtime.activate_runtime`)."""
    xr = require("xr", "xr", "OpenXR")

    choice = activate_runtime()
    try:
        props = xr.enumerate_instance_extension_properties()
    except (
        xr.RuntimeUnavailableError,
        xr.FileAccessErrorError,
        xr.FileContentsInvalidError,
    ) as exc:
        raise runtime_unavailable(type(exc).__name__, choice) from exc
    return [
        p.extension_name.decode() if isinstance(p.extension_name, bytes) else str(p.extension_name)
        for p in props
    ]


@dataclass(frozen=True)
class SystemInfo:
    """What the runtime and its HMD report. View sizes are recommended pixels per eye."""

    runtime_name: str
    runtime_version: str
    system_name: str
    vendor_id: int
    view_sizes: tuple[tuple[int, int], ...]
    max_view_sizes: tuple[tuple[int, int], ...]
    blend_modes: tuple[str, ...]
    extensions: tuple[str, ...] = field(default=())
    orientation_tracking: bool = True
    position_tracking: bool = True


class XRInstance:
    """An OpenXR instance with its HMD system. Use as a context manager or call close()."""

    def __init__(
        self,
        required: list[str] | None = None,
        optional: list[str] | tuple[str, ...] = (DEPTH,),
        app_name: str = "previzkit",
        api_layers: list[str] | None = None,
    ) -> None:
        xr = require("xr", "xr", "OpenXR")

        self.runtime: RuntimeChoice = activate_runtime()
        required = graphics_extensions() if required is None else list(required)
        have = available_extensions()
        self.extensions = [e for e in required if e in have] + [
            e for e in optional if e in have and e not in required
        ]
        missing = [e for e in required if e not in have]
        if missing:
            raise extension_missing(missing[0], self.runtime.name or _manifest_name(), have)
        self._xr = xr
        with translated("creating the OpenXR instance"):
            self.handle = xr.create_instance(
                xr.InstanceCreateInfo(
                    application_info=xr.ApplicationInfo(
                        application_name=app_name,
                        application_version=xr.Version(0, 1, 0),
                        engine_name="previzkit",
                        engine_version=xr.Version(0, 1, 0),
                        api_version=xr.Version(1, 0, xr.XR_VERSION_PATCH),
                    ),
                    enabled_extension_names=self.extensions,
                    enabled_api_layer_names=list(api_layers or []),
                )
            )
        try:
            with translated("finding the head-mounted display"):
                self.system_id = xr.get_system(
                    self.handle, xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY)
                )
                self.view_config = xr.ViewConfigurationType.PRIMARY_STEREO
                self.info = self._read_info()
        except BaseException:
            xr.destroy_instance(self.handle)
            raise

    def _read_info(self) -> SystemInfo:
        xr = self._xr
        iprops = xr.get_instance_properties(self.handle)
        sprops = xr.get_system_properties(self.handle, self.system_id)
        views = xr.enumerate_view_configuration_views(self.handle, self.system_id, self.view_config)
        blends = xr.enumerate_environment_blend_modes(self.handle, self.system_id, self.view_config)
        v = iprops.runtime_version
        return SystemInfo(
            runtime_name=_text(iprops.runtime_name),
            runtime_version=f"{v.major}.{v.minor}.{v.patch}",
            system_name=_text(sprops.system_name),
            vendor_id=int(sprops.vendor_id),
            view_sizes=tuple(
                (int(w.recommended_image_rect_width), int(w.recommended_image_rect_height))
                for w in views
            ),
            max_view_sizes=tuple(
                (int(w.max_image_rect_width), int(w.max_image_rect_height)) for w in views
            ),
            blend_modes=tuple(xr.EnvironmentBlendMode(b).name for b in blends),
            extensions=tuple(self.extensions),
            orientation_tracking=bool(sprops.tracking_properties.orientation_tracking),
            position_tracking=bool(sprops.tracking_properties.position_tracking),
        )

    def has(self, extension: str) -> bool:
        return extension in self.extensions

    def path(self, text: str) -> Any:
        """An XrPath for ``text`` (e.g. '/user/hand/left')."""
        return self._xr.string_to_path(self.handle, text)

    def path_text(self, path: Any) -> str:
        return self._xr.path_to_string(self.handle, path) if path else ""

    def close(self) -> None:
        if getattr(self, "handle", None) is not None:
            self._xr.destroy_instance(self.handle)
            self.handle = None

    def __enter__(self) -> XRInstance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _manifest_name() -> str:
    """The runtime's name from XR_RUNTIME_JSON's manifest, or 'the active runtime'."""
    import json
    import os

    path = os.environ.get("XR_RUNTIME_JSON")
    try:
        name = json.loads(open(path).read())["runtime"].get("name") if path else None  # noqa: SIM115
    except (OSError, ValueError, KeyError, AttributeError):
        name = None
    return name or (f"from {path}" if path else "the active runtime")


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
