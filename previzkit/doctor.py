"""``previzkit doctor``: one line per part, what this machine has and how to get what is missing."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import click

from previzkit.core.optional import (
    COMMANDS,
    EXTRAS,
    available,
    missing_for,
    missing_for_command,
    require,
)


@dataclass(frozen=True)
class Check:
    """The outcome of probing one part of the machine."""

    part: str
    ok: bool
    detail: str
    hint: str = ""


def _module_version(name: str) -> str | None:
    if not available(name):
        return None
    try:
        module = importlib.import_module(name)
    except Exception:
        return None
    return str(getattr(module, "__version__", "?"))


def check_gl() -> Check:
    if not available("moderngl"):
        return Check("OpenGL", False, "moderngl not installed", "pip install 'previzkit[render]'")
    moderngl = require("moderngl", "render", "OpenGL")
    try:
        ctx = moderngl.create_standalone_context(backend="egl")
    except Exception as exc:
        return Check(
            "OpenGL",
            False,
            f"no EGL context: {exc}",
            "apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1",
        )
    info = ctx.info
    detail = f"{info['GL_RENDERER']}, GL {ctx.version_code / 100:.1f} via EGL"
    ctx.release()
    return Check("OpenGL", True, detail)


def check_openxr() -> Check:
    """The OpenXR runtime previzkit would use, where it comes from, what it offers."""
    if not available("xr"):
        return Check("OpenXR", False, "pyopenxr not installed", "pip install 'previzkit[xr]'")
    from previzkit.xr.runtime import runtime_active, runtime_install_hint

    xr = require("xr", "xr", "OpenXR")
    with runtime_active() as choice:  # before the loader's first call: also quiets its stderr
        try:
            exts = xr.enumerate_instance_extension_properties()
        except Exception as exc:
            tried = choice.describe() if choice.found else "none found"
            if choice.manifest is not None and not choice.manifest.exists():
                tried += " (file does not exist)"
            return Check(
                "OpenXR",
                False,
                f"no runtime ({type(exc).__name__}; {tried})",
                runtime_install_hint(),
            )
    names = {
        e.extension_name.decode() if isinstance(e.extension_name, bytes) else e.extension_name
        for e in exts
    }
    egl = "XR_MNDX_egl_enable" in names
    return Check(
        "OpenXR",
        True,
        f"{choice.describe()}; {len(names)} extensions, EGL binding: {'yes' if egl else 'no'}",
    )


def check_cuda() -> Check:
    if not available("cupy"):
        return Check("CUDA/CuPy", False, "cupy not installed", "pip install 'previzkit[gpu]'")
    cupy = require("cupy", "gpu", "CUDA/CuPy")
    try:
        if not cupy.cuda.is_available():
            return Check(
                "CUDA/CuPy",
                False,
                f"cupy {cupy.__version__}, no CUDA device",
                "GPU kernels fall back to numba/numpy",
            )
        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        return Check("CUDA/CuPy", True, f"cupy {cupy.__version__} on {name}")
    except Exception as exc:
        return Check("CUDA/CuPy", False, f"cupy error: {exc}", "check the NVIDIA driver")


def check_mediapipe() -> Check:
    version = _module_version("mediapipe")
    if version is None:
        return Check(
            "MediaPipe", False, "mediapipe not installed", "pip install 'previzkit[capture]'"
        )
    from previzkit.capture.models import VARIANTS, find_bundle

    found = {v: find_bundle(v) for v in VARIANTS}
    have = [v for v, p in found.items() if p is not None]
    missing = [v for v, p in found.items() if p is None]
    detail = f"mediapipe {version}, pose models: {', '.join(have) or 'none'}"
    hint = " ".join(f"--variant {v}" for v in missing)
    hint = f"python3 scripts/build_pose_models.py {hint}" if missing else ""
    if missing:
        detail += f"; missing {', '.join(missing)} (build: {hint})"
    return Check("MediaPipe", bool(have), detail, hint)


def check_pyav() -> Check:
    if not available("av"):
        return Check("PyAV", False, "av not installed", "pip install 'previzkit[render]'")
    from previzkit.media.video import codecs

    version, have = codecs()
    ok = "libx264" in have or "h264" in have
    return Check(
        "PyAV",
        ok,
        f"av {version}, codecs: {', '.join(have) or 'none'}",
        "" if ok else "reinstall av from PyPI (its wheel bundles FFmpeg with x264)",
    )


def check_numba() -> Check:
    if not available("numba"):
        return Check("numba", False, "numba not installed", "pip install 'previzkit[composite]'")
    numba = require("numba", "composite", "numba")
    return Check(
        "numba", True, f"numba {numba.__version__}, {numba.config.NUMBA_NUM_THREADS} threads"
    )


def check_torch() -> Check:
    if not available("torch"):
        return Check("torch", False, "torch not installed", "pip install 'previzkit[genai]'")
    torch = require("torch", "genai", "torch")
    device = "CUDA" if torch.cuda.is_available() else "CPU"
    return Check("torch", True, f"torch {torch.__version__} ({device})")


CHECKS: list[Callable[[], Check]] = [
    check_gl,
    check_openxr,
    check_cuda,
    check_mediapipe,
    check_pyav,
    check_numba,
    check_torch,
]


def run_checks() -> list[Check]:
    """Run every check; a check that raises is reported, never propagated."""
    results = []
    for fn in CHECKS:
        try:
            results.append(fn())
        except Exception as exc:  # a probe must never take doctor down
            results.append(Check(fn.__name__.removeprefix("check_"), False, f"probe failed: {exc}"))
    return results


def command_checks() -> list[Check]:
    """One check per ``previzkit`` command: the packages it needs that are missing (the
    modules are looked up, never imported)."""
    results = []
    for name, (extra, needs) in COMMANDS.items():
        missing = missing_for_command(name)
        if missing:
            detail = f"needs {', '.join(missing)}"
            results.append(Check(name, False, detail, f"pip install 'previzkit[{extra}]'"))
        else:
            results.append(Check(name, True, ", ".join(needs) if needs else "no extra needed"))
    return results


def extra_checks() -> list[Check]:
    """One check per extra: which of its packages are missing."""
    results = []
    for extra in EXTRAS:
        missing = missing_for(extra)
        if missing:
            results.append(
                Check(
                    extra,
                    False,
                    f"missing {', '.join(missing)}",
                    f"pip install 'previzkit[{extra}]'",
                )
            )
        else:
            results.append(Check(extra, True, "complete"))
    return results


def _echo(checks: list[Check]) -> None:
    for c in checks:
        mark = "ok  " if c.ok else "MISS"
        line = f"{mark} {c.part:<10} {c.detail}"
        if c.hint and not c.ok:
            line += f"  -> {c.hint}"
        click.echo(line)


@click.command()
def doctor() -> None:
    """Report what this machine has for each part, and how to get what is missing."""
    _echo(run_checks())
    click.echo("--- commands: the packages each needs ---")
    _echo(command_checks())
    click.echo("--- extras: the packages each brings ---")
    _echo(extra_checks())
