"""Thin helpers over moderngl: shader programs cached per context, uniform writes.

Programs are compiled once per ``moderngl.Context`` and kept in a weak map keyed on
the context, so every drawable of a scene (and every scene on that context) shares
them. :func:`release_programs` frees them explicitly.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from previzkit.core.errors import ShaderError
from previzkit.core.optional import require
from previzkit.render import shaders

if TYPE_CHECKING:
    import moderngl

_PROGRAMS: weakref.WeakKeyDictionary[Any, dict[Any, moderngl.Program]] = weakref.WeakKeyDictionary()


def program(
    ctx: moderngl.Context, name: str, defines: dict[str, int | bool] | None = None
) -> moderngl.Program:
    """The shader program ``name`` (see :mod:`previzkit.render.shaders`) on ``ctx``,
    specialised with ``defines`` (``{"NUM_LIGHTS": 2, "TEXTURED": True}``), cached."""
    key = (
        name
        if not defines
        else (name, tuple(sorted((k, int(v)) for k, v in defines.items() if v is not False)))
    )
    cache = _PROGRAMS.setdefault(ctx, {})
    prog = cache.get(key)
    if prog is None:
        try:
            vs, fs = shaders.PROGRAMS[name]
        except KeyError:
            raise ShaderError(
                f"no shader program {name!r} (programs: {', '.join(shaders.PROGRAMS)})"
            ) from None
        header = "".join(
            f"#define {k} {int(v)}\n" for k, v in sorted((defines or {}).items()) if v is not False
        )
        try:
            prog = ctx.program(
                vertex_shader=_with_defines(vs, header), fragment_shader=_with_defines(fs, header)
            )
        except Exception as exc:
            raise ShaderError(
                f"shader program {name!r} {defines or ''} failed to build: {exc}"
            ) from None
        cache[key] = prog
    return prog


def _with_defines(source: str, header: str) -> str:
    if not header:
        return source
    first, _, rest = source.lstrip().partition("\n")  # keep #version first
    return f"{first}\n{header}{rest}"


def release_programs(ctx: moderngl.Context) -> None:
    """Release every cached program of ``ctx``."""
    for prog in _PROGRAMS.pop(ctx, {}).values():
        prog.release()


def uniform(prog: moderngl.Program, name: str) -> moderngl.Uniform:
    """``prog[name]`` typed as the uniform it names (moderngl types members as a union
    of uniform, uniform block, attribute and varying)."""
    return cast("moderngl.Uniform", prog[name])


def set_uniform(prog: moderngl.Program, name: str, value: Any) -> None:
    """Write a uniform if the program uses it (drivers drop unused ones).

    Matrices are given as float64 numpy arrays with column vectors and uploaded
    column-major; vectors as sequences; scalars as numbers.
    """
    try:
        member = uniform(prog, name)
    except KeyError:
        return
    if isinstance(value, np.ndarray) and value.ndim == 2:
        member.write(np.ascontiguousarray(value.astype(np.float32).T).tobytes())
    elif isinstance(value, np.ndarray):
        member.value = tuple(float(v) for v in value.ravel())
    else:
        member.value = value


def vertex_array(
    ctx: moderngl.Context,
    prog: moderngl.Program,
    buffers: list[tuple[moderngl.Buffer, str, str]],
    index_buffer: moderngl.Buffer | None = None,
    mode: int | None = None,
    optional: tuple[str, ...] = (),
) -> moderngl.VertexArray:
    """A VAO binding ``(buffer, format, attribute)`` triples (one attribute per buffer).

    Buffers for attributes the program does not use are left out; an attribute the
    program needs that no buffer provides raises, naming both sides, unless it is
    listed in ``optional`` (GL then feeds it the constant (0, 0, 0, 1)).
    """
    moderngl = require("moderngl", "render", "rendering")

    provided = [attr for _, _, attr in buffers]
    needed = [n for n in prog if isinstance(prog[n], moderngl.Attribute)]
    missing = [n for n in needed if n not in provided and n not in optional]
    if missing:
        raise ShaderError(
            f"program expects attributes {needed}, buffers provide {provided} (missing {missing})"
        )
    content = [(buf, fmt, attr) for buf, fmt, attr in buffers if attr in needed]
    kwargs = {} if mode is None else {"mode": mode}
    return ctx.vertex_array(prog, content, index_buffer=index_buffer, **kwargs)


def max_anisotropy(ctx: moderngl.Context) -> float:
    """Anisotropic filtering to ask for: 8x on a GPU, off on software rasterizers.

    llvmpipe filters anisotropically in software; at grazing angles over a large
    framebuffer one draw can take tens of seconds, which stalls a headset's frame loop.
    """
    return 1.0 if software_rasterizer(ctx) else 8.0


def software_rasterizer(ctx: moderngl.Context) -> bool:
    """Whether ``ctx`` rasterizes on the CPU (Mesa llvmpipe or softpipe), not a GPU."""
    renderer = str(ctx.info.get("GL_RENDERER", "")).lower()
    return "llvmpipe" in renderer or "softpipe" in renderer
