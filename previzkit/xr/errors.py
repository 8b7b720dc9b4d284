"""Map pyopenxr exceptions to previzkit errors that say what happened and what to do."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from previzkit.core.errors import XRError, XRExtensionMissing, XRRuntimeUnavailable, XRSessionLost
from previzkit.core.optional import require
from previzkit.xr.runtime import RuntimeChoice, find_runtime, runtime_install_hint


def runtime_unavailable(
    detail: str = "", choice: RuntimeChoice | None = None
) -> XRRuntimeUnavailable:
    """The error for 'no OpenXR runtime': which manifest was tried (or where none was
    found) and the command that installs one on this system."""
    choice = find_runtime() if choice is None else choice
    manifest = os.environ.get("XR_RUNTIME_JSON")
    if manifest:
        where = f"XR_RUNTIME_JSON={manifest}"
        if not os.path.exists(manifest):
            where += " (file does not exist)"
        elif choice.source.startswith("found at"):
            where += " (found by previzkit)"
    elif choice.manifest is not None:
        where = f"no XR_RUNTIME_JSON set; {choice.describe()} did not load"
        if not choice.manifest.exists():
            where += f" ({choice.manifest} points to a missing file)"
    else:
        looked = ", ".join(str(p) for p in choice.searched)
        where = f"no XR_RUNTIME_JSON set and no active or installed runtime (looked in {looked})"
    extra = f" ({detail})" if detail else ""
    return XRRuntimeUnavailable(
        f"no OpenXR runtime available: {where}{extra}; {runtime_install_hint()}"
    )


def extension_missing(
    name: str, runtime: str, available: list[str] | None = None
) -> XRExtensionMissing:
    """The error for a runtime lacking ``name``; lists the graphics extensions it has."""
    have = ""
    if available is not None:
        gfx = sorted(e for e in available if "enable" in e or "graphics" in e.lower())
        have = f"; it offers {', '.join(gfx) if gfx else 'no OpenGL/EGL binding'}"
    return XRExtensionMissing(
        f"OpenXR runtime {runtime!r} lacks extension {name}{have}; previzkit renders "
        "with OpenGL: use a runtime with XR_KHR_opengl_enable (and XR_MNDX_egl_enable "
        "for headless EGL, e.g. Monado), or run 'previzkit xr --offscreen'"
    )


def session_lost(why: str) -> XRSessionLost:
    return XRSessionLost(
        f"OpenXR session lost: {why}; the headset was disconnected or the runtime "
        "stopped. Reconnect the headset / restart the runtime and run the command again"
    )


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Re-raise pyopenxr errors met while doing ``what`` as previzkit XR errors."""
    xr = require("xr", "xr", "OpenXR")

    try:
        yield
    except XRError:
        raise
    except xr.RuntimeUnavailableError as exc:
        raise runtime_unavailable(f"{what}: {type(exc).__name__}") from exc
    except (xr.FileAccessErrorError, xr.FileContentsInvalidError) as exc:
        raise runtime_unavailable(f"{what}: the runtime manifest is unreadable or invalid") from exc
    except xr.InstanceLostError as exc:
        raise session_lost(f"instance lost while {what}") from exc
    except xr.SessionLostError as exc:
        raise session_lost(f"while {what}") from exc
    except xr.FormFactorUnavailableError as exc:
        raise XRRuntimeUnavailable(
            f"OpenXR runtime has no head-mounted display connected ({what}); "
            "connect and power on the headset, or run 'previzkit xr --offscreen'"
        ) from exc
    except xr.XrException as exc:
        raise XRError(f"OpenXR call failed while {what}: {type(exc).__name__}: {exc}") from exc
